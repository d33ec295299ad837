// The Platform API's Koa application: middleware in order, then routes. No I/O here beyond
// what the services do; platform.ts listens and stops, main.ts handles signals.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import type { NatsConnection } from 'nats';
import type { Context, Next } from 'koa';
import { BadRequestError, SlipwayError } from '../common/errors.js';
import { gitHttp, internalBuilds } from './git/handlers.js';
import { acceptVersion } from './http/accept.js';
import conditional from 'koa-conditional-get';
import etag from '@koa/etag';
import type { Redis } from 'ioredis';
import { authenticate } from './http/auth.js';
import { pagination } from './http/pagination.js';
import { appTransferHandlers } from './handlers/app-transfers.js';
import { teamHandlers } from './handlers/teams.js';
import { addressRateLimit, rateLimit } from './http/rate-limit.js';
import { signupHandlers } from './handlers/signup.js';
import { ssoHandlers } from './handlers/sso.js';
import { passwordLogin } from './accounts/password-login.js';
import { auditTrail } from './http/audit-trail.js';
import { auditHandlers } from './handlers/audit.js';
import { planHandlers } from './handlers/plans.js';
import { usageHandlers } from './handlers/usage.js';
import { metricsHandlers } from './handlers/metrics.js';
import { alertHandlers } from './handlers/alerts.js';
import { errorHandler } from './http/errors.js';
import { requestId } from './http/request-id.js';
import { accountHandlers } from './handlers/account.js';
import { addonHandlers } from './handlers/addons.js';
import { addonClientHandlers } from './handlers/addon-clients.js';
import { backupHandlers } from './handlers/backups.js';
import { collaboratorHandlers } from './handlers/collaborators.js';
import { featureHandlers } from './handlers/features.js';
import { regionHandlers } from './handlers/regions.js';
import { unavailableHandlers } from './handlers/unavailable.js';
import { appHandlers } from './handlers/apps.js';
import { buildHandlers } from './handlers/builds.js';
import { buildpackInstallationHandlers, buildpackRegistryHandlers } from './handlers/buildpack-installations.js';
import { configVarHandlers } from './handlers/config-vars.js';
import { domainHandlers } from './handlers/domains.js';
import { acmeChallengeHandlers, acmHandlers } from './handlers/acm.js';
import { dynoHandlers } from './handlers/dynos.js';
import { formationHandlers } from './handlers/formation.js';
import { hostHandlers } from './handlers/hosts.js';
import { logDrainHandlers } from './handlers/log-drains.js';
import { DEFAULT_LOG_TAILS_PER_USER, LogTails, logHandlers, logStreamHandlers } from './handlers/logs.js';
import { sniEndpointHandlers } from './handlers/sni-endpoints.js';
import { releaseHandlers } from './handlers/releases.js';
import { healthCheckHandlers } from './handlers/health-checks.js';
import { stackHandlers } from './handlers/stacks.js';
import { registryTokenServer, type RegistryTokenServerOptions } from './registry/token-handler.js';
import { releaseOutputHandlers } from './handlers/release-output.js';
import type { HealthzJson } from '../common/api-shapes.js';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../common/entry-points.js';
import { spec } from './http/api-spec.js';
import { documentedRoutes, openApiDocument, readShapeSchemas } from './http/openapi.js';
import type { Services } from './services.js';
import { partnerAddonHandlers, partnerFacingHandlers } from './partner-addons/handlers.js';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** Bodies must be JSON: anything else is a 415, not silently ignored. */
async function requireJson(ctx: Context, next: Next): Promise<void> {
  const hasBody = Number(ctx.get('content-length') || 0) > 0 || ctx.get('transfer-encoding') !== '';
  if (WITH_BODY.has(ctx.method) && hasBody && !ctx.is('json')) {
    throw new SlipwayError('unsupported_media_type', 'Request body must be JSON (Content-Type: application/json).', { status: 415 });
  }
  await next();
}

/** OAuth clients post forms (RFC 6749 §4.1.3); JSON is taken too. */
async function requireJsonOrForm(ctx: Context, next: Next): Promise<void> {
  const hasBody = Number(ctx.get('content-length') || 0) > 0 || ctx.get('transfer-encoding') !== '';
  if (WITH_BODY.has(ctx.method) && hasBody && !ctx.is('json', 'urlencoded')) {
    throw new SlipwayError('unsupported_media_type', 'Request body must be JSON or a form (Content-Type: application/json or application/x-www-form-urlencoded).', { status: 415 });
  }
  await next();
}

/** The routers answer a method a path does not take with a bare 405 (or 501 for a method no
 *  route takes, such as TRACE): both become a 405 in the one error shape, naming what is allowed. */
async function methodNotAllowed(ctx: Context, next: Next): Promise<void> {
  await next();
  if ((ctx.status === 405 || ctx.status === 501) && ctx.body === undefined) {
    const allowed = ctx.response.get('Allow');
    ctx.status = 405;
    ctx.body = { id: 'method_not_allowed', message: `${ctx.method} is not allowed on ${ctx.path}${allowed ? `: use ${allowed}` : ''}.` };
  }
}

const passThrough = (_ctx: Context, next: Next) => next();

function bodyError(err: Error & { status?: number }): never {
  if (err.status === 413) throw new SlipwayError('payload_too_large', 'Request body is too large.', { status: 413, cause: err });
  throw new BadRequestError('Request body is not valid JSON.', err);
}

export function createApi(
  services: Services,
  options: {
    maxBodyBytes: number;
    pushUrl: () => string;
    nats: NatsConnection;
    stateStoreUp?: () => boolean;
    logTailsPerUser?: number;
    /** Serve the platform registry's tokens (Docker's token auth). */
    registryTokens?: RegistryTokenServerOptions;
    /** Heroku's per-account API rate limit, counted in Redis; absent: none. */
    rateLimit?: { redis: Redis; perHour: number };
    /** Sign-up, password login and reset requests per client address, counted in Redis; absent: none. */
    accountRateLimit?: { redis: Redis; perHour: number };
  },
): Koa {
  const app = new Koa({ proxy: false });
  // Clients that hang up mid-stream (logs --tail, git) are normal, not errors.
  app.silent = true;
  app.on('error', (err: Error & { code?: string }) => {
    if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE' && err.code !== 'ECONNRESET') services.logger.warn({ err }, 'response failed');
  });
  app.use(requestId);
  app.use(errorHandler(services.logger, options.stateStoreUp, services.brand.name));
  app.use(methodNotAllowed);
  app.use(gitHttp(services, options.pushUrl));
  app.use(internalBuilds(services));
  if (options.registryTokens) app.use(registryTokenServer(services, options.registryTokens));

  const open = new Router();
  open.get('/healthz', spec({ summary: 'Whether the control plane is up, and its stack built', response: { shape: 'HealthzJson' } }), (ctx) => {
    const health: HealthzJson = { status: 'ok', stack: services.stackReady() ? 'ready' : 'building' };
    ctx.body = health;
  });
  // The API's schema, made from its own route table on first request (http/openapi.ts).
  let schema: Record<string, unknown> | null = null;
  open.get('/schema', spec({ summary: 'This schema (OpenAPI 3.1)', response: { shape: 'OpenApiDocumentJson' } }), (ctx) => {
    schema ??= openApiDocument(documentedRoutes(app), readShapeSchemas(repoRoot(dirname(fileURLToPath(import.meta.url)))), { title: 'Platform API', version: '3' });
    ctx.body = schema;
  });
  app.use(open.routes());
  // The CA's HTTP-01 fetches, through the routers.
  app.use(acmeChallengeHandlers(services).routes());
  // Capability URLs, fetched without credentials.
  app.use(releaseOutputHandlers(services).routes());
  app.use(buildpackRegistryHandlers(services).routes());
  // Log session URLs carry their own secret (Heroku's `heroku logs` reads them without a token).
  const tails = new LogTails(options.logTailsPerUser ?? DEFAULT_LOG_TAILS_PER_USER);
  app.use(logStreamHandlers(services, options.nats, tails).routes());

  app.use(acceptVersion);
  // Outside authentication, so refused attempts are recorded too (with no actor).
  app.use(auditTrail(services.audit, services.logger));
  // Before a token exists: sign-up, confirmation, reset (their own JSON parsing, budget per address).
  const jsonBody = bodyParser({ enableTypes: ['json'], jsonLimit: options.maxBodyBytes, encoding: 'utf-8', onError: bodyError });
  const perAddress = options.accountRateLimit ? addressRateLimit(options.accountRateLimit.redis, options.accountRateLimit.perHour) : passThrough;
  app.use(signupHandlers(services, [perAddress, requireJson, jsonBody]).routes());
  // The CLI's polls carry their session's secret and are not counted (one a second for minutes).
  app.use(ssoHandlers(services, { perAddress, json: [requireJson, jsonBody] }).routes());
  // Add-on partners exchange their grants (a form or JSON) and call with their add-on's OAuth
  // token; browsers come with an SSO ticket.
  const formBody = bodyParser({ enableTypes: ['json', 'form'], jsonLimit: options.maxBodyBytes, formLimit: options.maxBodyBytes, encoding: 'utf-8', onError: bodyError });
  app.use(partnerFacingHandlers(services, { json: [requireJson, jsonBody], form: [requireJsonOrForm, formBody] }).routes());
  app.use(passwordLogin(services.accounts, perAddress));
  app.use(authenticate(services.users));
  if (options.rateLimit) app.use(rateLimit(options.rateLimit.redis, options.rateLimit.perHour));
  app.use(requireJson);
  app.use(jsonBody);
  // Heroku's ETag and If-None-Match: a GET whose answer has not changed is a 304 with no body.
  app.use(conditional());
  app.use(etag());
  app.use(pagination);
  for (const router of [
    accountHandlers(services),
    auditHandlers(services),
    planHandlers(services),
    usageHandlers(services),
    metricsHandlers(services),
    alertHandlers(services),
    appHandlers(services),
    formationHandlers(services),
    dynoHandlers(services),
    configVarHandlers(services),
    collaboratorHandlers(services),
    appTransferHandlers(services),
    teamHandlers(services),
    buildpackInstallationHandlers(services),
    releaseHandlers(services),
    buildHandlers(services),
    domainHandlers(services),
    acmHandlers(services),
    hostHandlers(services),
    logHandlers(services, options.nats, tails),
    logDrainHandlers(services),
    sniEndpointHandlers(services),
    stackHandlers(services),
    healthCheckHandlers(services),
    // before the add-on routes: a partner add-on's plan change, else on to theirs
    partnerAddonHandlers(services),
    addonHandlers(services),
    addonClientHandlers(services),
    backupHandlers(services),
    featureHandlers(services),
    regionHandlers(services.brand),
    unavailableHandlers(services),
  ]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
