// What the API does with an app's log drains: adds one (a drain URL that passes the policy,
// within the app's limit, not twice), finds one by id, URL or token (as `heroku drains:remove`
// names it), removes one, and tells the forwarder at once (NATS) rather than at its next pass.
import type { NatsConnection } from 'nats';
import { InvalidParamsError, NotFoundError, SlipwayError } from '../../common/errors.js';
import { subjects } from '../../common/protocol.js';
import type { App } from '../../common/types.js';
import type { LogDrain, LogDrainStore } from '../store/log-drains.js';
import { parseDrainUrl, type DrainUrlPolicy } from './url.js';

export class LogDrains {
  constructor(
    private readonly store: LogDrainStore,
    private readonly policy: DrainUrlPolicy & { perApp: number },
    private readonly nats: Pick<NatsConnection, 'publish'>,
  ) {}

  list(app: App): Promise<LogDrain[]> {
    return this.store.list(app.id);
  }

  async add(app: App, url: string): Promise<LogDrain> {
    parseDrainUrl(url, this.policy);
    const added = await this.store.add(app.id, url, this.policy.perApp);
    if (added === 'limit') throw new SlipwayError('limit_exceeded', `${app.name} has ${this.policy.perApp} log drains, the most an app may have.`, { status: 422 });
    if (added === 'taken') throw new InvalidParamsError('Url has already been taken.');
    this.nats.publish(subjects.logDrainsChanged);
    return added;
  }

  /** The drain `ref` names: its id, its URL or its token; a 404 otherwise. */
  async find(app: App, ref: string): Promise<LogDrain> {
    const drain = (await this.store.list(app.id)).find((d) => d.id === ref || d.url === ref || d.token === ref);
    if (!drain) throw new NotFoundError(`Couldn't find that log drain on ${app.name}.`);
    return drain;
  }

  async remove(app: App, ref: string): Promise<LogDrain> {
    const drain = await this.find(app, ref);
    await this.store.remove(drain);
    this.nats.publish(subjects.logDrainsChanged);
    return drain;
  }
}
