// Heroku's app transfers (`heroku apps:transfer <email>`): POST /account/app-transfers offers
// an app to another user; the recipient accepts or declines (PATCH, state), the owner may cancel
// (DELETE). On acceptance the recipient owns the app and the previous owner stays on it as a
// collaborator, as on Heroku.
import Router from '@koa/router';
import { z } from 'zod';
import { ConflictError, ForbiddenError, InvalidParamsError, NotFoundError } from '../../common/errors.js';
import type { App, User } from '../../common/types.js';
import { bodyOf, spec } from '../http/api-spec.js';
import type { AppTransferJson } from '../../common/api-shapes.js';
import type { Services } from '../services.js';
import type { AppTransfer } from '../store/app-transfers.js';

const offer = z.object({ app: z.string().min(1), recipient: z.string().min(1).max(254), silent: z.boolean().optional() });
const answer = z.object({ state: z.enum(['accepted', 'declined']) });

type State = AppTransferJson['state'];

export function appTransferHandlers(services: Services): Router {
  const router = new Router();
  const person = async (id: string) => {
    const user = await services.users.get(id);
    return { id, email: user?.email ?? null };
  };
  const json = async (transfer: AppTransfer, app: App, state: State): Promise<AppTransferJson> => ({
    id: transfer.id,
    app: { id: app.id, name: app.name },
    owner: await person(transfer.ownerId),
    recipient: await person(transfer.recipientId),
    state,
    created_at: transfer.createdAt,
    updated_at: new Date().toISOString(),
  });
  /** The transfer and its app, when `user` is its owner, its recipient or an operator; else a 404. */
  const visible = async (id: string, user: User) => {
    const transfer = await services.appTransfers.get(id);
    const app = transfer ? await services.apps.get(transfer.appId) : null;
    if (!transfer || !app || !(user.id === transfer.recipientId || (await services.access.may(app, user, 'manage')))) throw new NotFoundError(`Couldn't find that app transfer (${id}).`);
    return { transfer, app };
  };

  router.post('/account/app-transfers', spec({ summary: 'Offers an app to another user', body: offer, response: { shape: 'AppTransferJson', status: 201 } }), async (ctx) => {
    const user = ctx.state.user as User;
    const body = bodyOf(ctx, offer);
    const app = (await services.apps.getByName(body.app)) ?? (await services.apps.get(body.app));
    if (!app) throw new NotFoundError(`Couldn't find that app: ${body.app}.`);
    await services.access.require(app, user, 'manage');
    if (app.teamId) throw new InvalidParamsError(`${app.name} belongs to a team: a team admin moves it (PATCH /teams/apps/${app.name} with the new owner).`);
    const recipient = await services.users.find(body.recipient);
    if (!recipient) throw new NotFoundError(`Couldn't find that user (${body.recipient}).`);
    if (recipient.id === app.ownerId) throw new InvalidParamsError(`${recipient.email} already owns ${app.name}.`);
    const transfer = await services.appTransfers.offer(app.id, app.ownerId, recipient.id);
    ctx.status = 201;
    ctx.body = await json(transfer, app, 'pending');
  });

  router.get('/account/app-transfers', spec({ summary: 'Transfers offered to or by the caller', response: { shape: 'AppTransferJson', list: true } }), async (ctx) => {
    const user = ctx.state.user as User;
    const apps = await services.apps.list();
    const transfers = await services.appTransfers.forApps(apps.map((a) => a.id));
    const mine = transfers.filter((t) => user.admin || t.ownerId === user.id || t.recipientId === user.id);
    ctx.body = await Promise.all(mine.map((t) => json(t, apps.find((a) => a.id === t.appId)!, 'pending')));
  });

  router.get('/account/app-transfers/:id', spec({ summary: 'One transfer', response: { shape: 'AppTransferJson' } }), async (ctx) => {
    const { transfer, app } = await visible(ctx.params.id!, ctx.state.user as User);
    ctx.body = await json(transfer, app, 'pending');
  });

  router.patch('/account/app-transfers/:id', spec({ summary: 'Accepts or declines a transfer (the recipient)', body: answer, response: { shape: 'AppTransferJson' } }), async (ctx) => {
    const user = ctx.state.user as User;
    const { transfer, app } = await visible(ctx.params.id!, user);
    const { state } = bodyOf(ctx, answer);
    if (user.id !== transfer.recipientId) throw new ForbiddenError(`Only ${(await person(transfer.recipientId)).email} can ${state === 'accepted' ? 'accept' : 'decline'} this transfer.`);
    // The app counts against the recipient's plan: refused, the offer stays open.
    if (state === 'accepted') await services.plans.admitApp({ kind: 'user', id: user.id });
    if (!(await services.appTransfers.end(transfer))) throw new ConflictError('This transfer is no longer pending.');
    if (state === 'accepted') {
      // The owner may have changed since the offer (an operator's doing): the offer was theirs to make.
      if (app.ownerId !== transfer.ownerId) throw new ConflictError(`${app.name} changed hands since this transfer was offered.`);
      await services.apps.setOwner(app.id, transfer.recipientId);
      await services.apps.removeCollaborator(app.id, transfer.recipientId);
      await services.apps.addCollaborator(app.id, transfer.ownerId);
    }
    ctx.body = await json(transfer, app, state);
  });

  router.delete('/account/app-transfers/:id', spec({ summary: 'Cancels a transfer (the owner)', response: { shape: 'AppTransferJson' } }), async (ctx) => {
    const user = ctx.state.user as User;
    const { transfer, app } = await visible(ctx.params.id!, user);
    if (!(await services.access.may(app, user, 'manage'))) throw new ForbiddenError('Only the owner can cancel a transfer; decline it instead.');
    if (!(await services.appTransfers.end(transfer))) throw new ConflictError('This transfer is no longer pending.');
    ctx.body = await json(transfer, app, 'cancelled');
  });

  return router;
}
