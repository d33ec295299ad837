// What a request did to an app, as a line in the app's log signed by the caller (Heroku's `app[api]` lines).
import type { Context } from 'koa';
import type { App, User } from '../../common/types.js';
import type { Services } from '../services.js';

export function logApiEvent(ctx: Context, services: Pick<Services, 'appLog'>, app: Pick<App, 'id' | 'name'>, event: (email: string) => string): void {
  services.appLog(app, 'api', event((ctx.state.user as User).email));
}
