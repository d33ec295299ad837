// Git smart HTTP for apps (`git push {git}/<app>.git main`) and the internal endpoint the
// pre-receive hook posts each push's ref updates to, which builds the pushed commit.
import { PassThrough } from 'node:stream';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { credentialsFromHeader, disabledAccountMessage } from '../auth/credentials.js';
import { identify } from '../auth/identify.js';
import type { Services } from '../services.js';
import { cgiEnv, serveGitCgi } from './cgi.js';
import { logLine, parseHookRequest, pushHookEnvironment, resultLine } from './pre-receive-hook.js';
import { archiveCommit, pushedObjectsEnv } from './pushed-commit.js';
import { chooseUpdate, parseRefUpdates } from './ref-updates.js';
import { repoPath } from './repos.js';
import { OversizedPushNote, oversizedPushMessage, pushLimitGitEnv } from './push-limit.js';

const GIT_PATH = /^\/([^/]+)\.git\/(info\/refs|git-receive-pack|git-upload-pack)$/;
const SERVICES = new Set(['git-receive-pack', 'git-upload-pack']);

function plain(ctx: Context, status: number, message: string): void {
  // git shows text/plain error bodies to the user as `remote: <line>`
  ctx.status = status;
  ctx.type = 'text/plain';
  ctx.body = `${message}\n`;
}

export function gitHttp(services: Services, pushUrl: () => string) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const match = GIT_PATH.exec(ctx.path);
    if (!match) return next();
    const [, appName, endpoint] = match as unknown as [string, string, string];
    const service = endpoint === 'info/refs' ? String(ctx.query.service ?? '') : endpoint;
    if (!SERVICES.has(service)) return plain(ctx, 403, 'Only smart HTTP git is supported.');

    const identity = await identify(services.users, ctx.get('authorization') || undefined);
    if (identity.outcome === 'disabled') return plain(ctx, 403, disabledAccountMessage(identity.user));
    if (identity.outcome !== 'user') {
      ctx.set('WWW-Authenticate', `Basic realm="${services.brand.name}"`);
      return plain(ctx, 401, 'Authentication failed: use your API token as the password.');
    }
    const { user } = identity;
    const app = await services.apps.getByName(appName);
    if (!app) return plain(ctx, 404, `app not found: ${appName}`);
    // Source is as private as config: reading it, like pushing, needs the `change` role.
    if (!(await services.access.may(app, user, 'change'))) return plain(ctx, 403, `You do not have access to the app ${appName}'s repository.`);

    await services.repos.ensure(app.id);
    const push = endpoint === 'git-receive-pack' ? services.pushSessions.open({ appId: app.id, userId: user.id }) : null;
    const env = cgiEnv(
      {
        method: ctx.method,
        pathInfo: `/${app.id}.git/${endpoint}`,
        query: ctx.querystring,
        headers: ctx.req.headers,
        remoteUser: user.email,
        remoteAddr: ctx.ip,
      },
      services.gitRoot,
      push ? { ...pushHookEnvironment({ pushUrl: pushUrl(), pushToken: push.token }), ...pushLimitGitEnv(services.maxPushBytes) } : {},
    );
    ctx.respond = false;
    const note = push && ctx.method === 'POST' ? new OversizedPushNote(oversizedPushMessage(services.maxPushBytes)) : undefined;
    await serveGitCgi(ctx.req, ctx.res, env, () => push?.close(), note);
  };
}

/** Pure: from what the hook posted, the commit to build and how git reads it, or why the push is refused. */
export function planPushBuild(body: string, repoDir: string): { rev: string; objectsEnv: Record<string, string> } | { refuse: string } {
  const request = parseHookRequest(body);
  const updates = parseRefUpdates(request.refLines);
  if ('error' in updates) return { refuse: updates.error };
  const choice = chooseUpdate(updates);
  if ('refuse' in choice) return choice;
  const objectsEnv = pushedObjectsEnv(repoDir, request.quarantine);
  if ('refused' in objectsEnv) return { refuse: objectsEnv.refused };
  return { rev: choice.deploy.newRev, objectsEnv };
}

/** The most the hook posts: the quarantine's path and a line per updated ref. */
const MAX_HOOK_REQUEST_BYTES = 64 * 1024;

/**
 * POST /internal/builds: the pre-receive hook's ref updates in; the pushed commit is archived
 * here from the push's quarantine and built; the output goes back as text lines, then the result.
 */
export function internalBuilds(services: Services) {
  const textBody = bodyParser({ enableTypes: ['text'], textLimit: MAX_HOOK_REQUEST_BYTES, encoding: 'utf-8' });
  return async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.path !== '/internal/builds' || ctx.method !== 'POST') return next();
    const session = services.pushSessions.find(credentialsFromHeader(ctx.get('authorization') || undefined) ?? '');
    const app = session ? await services.apps.get(session.appId) : null;
    if (!session || !app) {
      ctx.status = 401;
      ctx.body = { id: 'unauthorized', message: 'Unknown push.' };
      return;
    }
    await textBody(ctx, async () => {});
    const plan = planPushBuild(typeof ctx.request.body === 'string' ? ctx.request.body : '', repoPath(services.gitRoot, app.id));
    ctx.status = 200;
    ctx.type = 'text/plain';
    if ('refuse' in plan) {
      ctx.body = `${logLine(` !     ${plan.refuse}`)}${resultLine(false)}`;
      return;
    }
    const version = plan.rev;
    const pusher = await services.users.get(session.userId);
    const out = new PassThrough();
    ctx.body = out;
    const abort = new AbortController();
    ctx.res.on('close', () => {
      if (!ctx.res.writableFinished) abort.abort();
    });
    // Output waits while the pusher is behind (the build's commands with it), and is dropped
    // once the pusher has gone: nothing piles up in memory.
    const log = (line: string): void | Promise<void> => {
      if (abort.signal.aborted || out.write(logLine(line))) return;
      return new Promise<void>((resolve) => {
        const done = () => {
          out.off('drain', done);
          abort.signal.removeEventListener('abort', done);
          resolve();
        };
        out.once('drain', done);
        abort.signal.addEventListener('abort', done, { once: true });
      });
    };
    const archive = archiveCommit(plan.objectsEnv, version);
    void services.pipeline
      .deploy(app, version, pusher?.email ?? 'unknown', archive.tar, log, abort.signal)
      .catch((err: unknown) => {
        services.logger.error({ err, app: app.name }, 'deploy failed unexpectedly');
        log(' !     Internal error while deploying; the previous release keeps serving.');
        return { ok: false, releaseVersion: null };
      })
      .then((result) => {
        archive.stop();
        if (!abort.signal.aborted) out.end(resultLine(result.ok));
      });
    services.logger.info({ app: app.name, user: session.userId, version }, 'push received');
  };
}
