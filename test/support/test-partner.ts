// A test add-on partner: a real HTTP server on 127.0.0.1 speaking Heroku's Add-on Partner API v3
// as a partner would. It checks HTTP Basic (manifest id : password) and the shape of each
// request, records what it was sent, exchanges each provisioning's OAuth grant at the platform's
// token endpoint over HTTP (with its client secret) before answering, answers as scripted (a
// status and body, slowly, or never), verifies SSO form posts (resource_token =
// sha1(resource_id:salt:timestamp)), and calls the platform back with the add-on's Bearer token
// (async provisioning, config), refreshing that token when asked.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PartnerCall {
  method: string;
  path: string;
  body: any;
  /** what was wrong with the request, if anything (the partner answered 400 or 401) */
  problem: string | null;
}

/** One scripted answer; `delayMs` longer than the platform's timeout is a timeout. */
export interface ScriptedAnswer {
  status: number;
  body?: unknown;
  delayMs?: number;
  /** done before answering, with the request's body (a partner calling back at once) */
  before?: (body: any) => Promise<unknown>;
  /** false: keep the provisioning's grant without exchanging it (the test does, or lets it expire) */
  exchange?: boolean;
}

/** What the partner holds for one add-on: Heroku's grant and the tokens it got for it. */
export interface PartnerTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

type Kind = 'provision' | 'plan' | 'deprovision';

export interface TestPartner {
  /** the manifest's production.base_url */
  baseUrl: string;
  ssoUrl: string;
  calls: PartnerCall[];
  /** the next answers to one kind of call, in order (then the defaults) */
  script(kind: Kind, ...answers: ScriptedAnswer[]): void;
  /** the SSO logins it accepted: the form's fields */
  ssoLogins: Record<string, string>[];
  /** what the platform gave it when it registered the service: where to exchange, with what secret */
  connect(oauth: { tokenUrl: string; clientSecret: string }): void;
  /** each provisioning's `oauth_grant`, by add-on id */
  grants: Map<string, { code: string; expires_at: string; type: string }>;
  /** the tokens it holds, by add-on id */
  tokens: Map<string, PartnerTokens>;
  /** a raw call to the token endpoint, form-encoded (the client secret is its own unless given) */
  exchange(fields: Record<string, string>): Promise<Response>;
  /** the add-on's grant exchanged now (its tokens kept on success) */
  exchangeGrant(addonId: string): Promise<Response>;
  /** a new access token from the add-on's refresh token (kept on success) */
  refresh(addonId: string): Promise<Response>;
  /** the partner's side of async provisioning: its config, then provisioned, with the add-on's
   *  access token (or the one given) */
  callBack(apiUrl: string, addonId: string, config: Record<string, string>, accessToken?: string): Promise<{ config: Response; provision: Response }>;
  /** the config callback alone, with any Authorization header */
  setConfig(apiUrl: string, addonId: string, config: Record<string, string>, authorization: string): Promise<Response>;
  stop(): Promise<void>;
}

export interface TestPartnerOptions {
  id: string;
  password: string;
  ssoSalt: string;
  /** the config a sync provision answers with */
  config: Record<string, string>;
}

const basic = (id: string, password: string) => `Basic ${Buffer.from(`${id}:${password}`).toString('base64')}`;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const PROVISION_FIELDS = ['uuid', 'name', 'plan', 'region', 'callback_url', 'options', 'oauth_grant'];

export async function startTestPartner(options: TestPartnerOptions): Promise<TestPartner> {
  const calls: PartnerCall[] = [];
  const ssoLogins: Record<string, string>[] = [];
  const scripts: Record<Kind, ScriptedAnswer[]> = { provision: [], plan: [], deprovision: [] };
  const pending = new Set<ServerResponse>();
  const grants = new Map<string, { code: string; expires_at: string; type: string }>();
  const tokens = new Map<string, PartnerTokens>();
  let oauth: { tokenUrl: string; clientSecret: string } | null = null;

  const exchange = async (fields: Record<string, string>) => {
    if (!oauth) throw new Error('the test partner was not given its token URL and client secret (connect)');
    return fetch(oauth.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams({ client_secret: oauth.clientSecret, ...fields }) });
  };
  const keep = async (addonId: string, response: Response, refreshToken?: string) => {
    if (response.status !== 200) return response;
    const body = (await response.clone().json()) as { access_token: string; refresh_token: string; expires_in: number; token_type: string };
    if (body.token_type !== 'Bearer') throw new Error(`token_type ${body.token_type}`);
    tokens.set(addonId, { accessToken: body.access_token, refreshToken: body.refresh_token ?? refreshToken, expiresIn: body.expires_in });
    return response;
  };
  const setConfig = (apiUrl: string, addonId: string, config: Record<string, string>, authorization: string) => {
    const headers = { authorization, accept: 'application/vnd.heroku+json; version=3', 'content-type': 'application/json' };
    return fetch(`${apiUrl}/addons/${addonId}/config`, { method: 'PATCH', headers, body: JSON.stringify({ config: Object.entries(config).map(([name, value]) => ({ name, value })) }) });
  };
  const exchangeGrant = async (addonId: string) => {
    const grant = grants.get(addonId);
    if (!grant) throw new Error(`no grant for ${addonId}`);
    return keep(addonId, await exchange({ grant_type: 'authorization_code', code: grant.code }));
  };

  const answer = async (res: ServerResponse, { status, body, delayMs, before }: ScriptedAnswer, requestBody?: unknown) => {
    pending.add(res);
    await before?.(requestBody);
    const send = () => {
      pending.delete(res);
      if (res.destroyed) return;
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (delayMs) setTimeout(send, delayMs).unref();
    else send();
  };

  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const path = req.url ?? '/';
    if (req.method === 'POST' && path === '/sso/login') {
      const form = Object.fromEntries(new URLSearchParams(raw));
      const expected = createHash('sha1').update(`${form.resource_id}:${options.ssoSalt}:${form.timestamp}`).digest('hex');
      const fresh = Math.abs(Date.now() / 1000 - Number(form.timestamp)) < 300;
      const ok = form.resource_token === expected && fresh && !!form.email && !!form.app && !!form['nav-data'];
      if (ok) ssoLogins.push(form);
      res.writeHead(ok ? 200 : 403, { 'content-type': 'text/plain' });
      res.end(ok ? `signed in as ${form.email}` : 'bad token');
      return;
    }
    let body: any = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = raw;
    }
    const call: PartnerCall = { method: req.method ?? '', path, body, problem: null };
    calls.push(call);
    if (req.headers.authorization !== basic(options.id, options.password)) {
      call.problem = 'bad credentials';
      return answer(res, { status: 401, body: { message: 'bad credentials' } });
    }
    const match = /^\/heroku\/resources(?:\/([0-9a-f-]{36}))?$/.exec(path);
    if (!match) return answer(res, { status: 404, body: { message: 'no such route' } });
    const uuid = match[1];
    if (req.method === 'POST' && !uuid) {
      const missing = PROVISION_FIELDS.filter((field) => !(field in (body ?? {})));
      const grant = body?.oauth_grant;
      const grantOk = typeof grant?.code === 'string' && grant.type === 'authorization_code' && Date.parse(grant.expires_at) > Date.now();
      if (missing.length > 0 || !grantOk || typeof body.callback_url !== 'string' || !body.callback_url.endsWith(`/addons/${body.uuid}`)) {
        call.problem = `bad provision body: missing ${missing.join(', ')}${grantOk ? '' : ', or a bad oauth_grant'}`;
        return answer(res, { status: 400, body: { message: call.problem } });
      }
      grants.set(body.uuid, grant);
      const scripted = scripts.provision.shift() ?? { status: 201, body: { id: `partner-${body.uuid}`, config: options.config, message: 'ready' } };
      // as Heroku asks of partners: the grant is exchanged at once, its tokens kept
      if (scripted.exchange !== false) {
        const exchanged = await exchangeGrant(body.uuid);
        if (exchanged.status !== 200) {
          call.problem = `grant exchange failed: ${exchanged.status} ${await exchanged.text()}`;
          return answer(res, { status: 503, body: { message: 'Could not exchange the OAuth grant.' } });
        }
      }
      return answer(res, scripted, body);
    }
    if (req.method === 'PUT' && uuid) {
      if (typeof body?.plan !== 'string') {
        call.problem = 'bad plan change body';
        return answer(res, { status: 400, body: { message: call.problem } });
      }
      return answer(res, scripts.plan.shift() ?? { status: 200, body: { config: {}, message: `now on ${body.plan}` } });
    }
    if (req.method === 'DELETE' && uuid) return answer(res, scripts.deprovision.shift() ?? { status: 204 });
    call.problem = 'unexpected call';
    return answer(res, { status: 405, body: { message: 'unexpected call' } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    baseUrl: `${origin}/heroku/resources`,
    ssoUrl: `${origin}/sso/login`,
    calls,
    ssoLogins,
    grants,
    tokens,
    script(kind, ...answers) {
      scripts[kind].push(...answers);
    },
    connect(given) {
      oauth = given;
    },
    exchange,
    exchangeGrant,
    async refresh(addonId) {
      const held = tokens.get(addonId);
      if (!held) throw new Error(`no tokens for ${addonId}`);
      return keep(addonId, await exchange({ grant_type: 'refresh_token', refresh_token: held.refreshToken }), held.refreshToken);
    },
    setConfig,
    async callBack(apiUrl, addonId, config, accessToken = tokens.get(addonId)?.accessToken ?? '') {
      const authorization = `Bearer ${accessToken}`;
      const configAnswer = await setConfig(apiUrl, addonId, config, authorization);
      const provision = await fetch(`${apiUrl}/addons/${addonId}/actions/provision`, { method: 'POST', headers: { authorization, accept: 'application/vnd.heroku+json; version=3' } });
      return { config: configAnswer, provision };
    },
    async stop() {
      for (const res of pending) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
