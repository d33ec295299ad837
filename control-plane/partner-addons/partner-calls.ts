// The decisions of talking to an add-on partner (Heroku's Add-on Partner API v3), pure: the
// request each step makes, how an answer is read, which calls are retried and after how long,
// the config vars an attachment gets, and the single sign-on parameters. I/O is in client.ts.
import { createHash } from 'node:crypto';
import { ATTACHMENT_COLORS } from '../../common/addons.js';
import type { PartnerManifest } from './manifest.js';
import type { OAuthGrantJson } from './oauth.js';

export interface PartnerRequest {
  method: 'POST' | 'PUT' | 'DELETE';
  /** joined to the manifest's production base_url */
  path: string;
  body?: Record<string, unknown>;
  /** safe to send again: plan change and deprovision are keyed by the add-on's uuid */
  idempotent: boolean;
}

/** What came back: an answer (any status), no answer in time, or no connection at all. */
export type PartnerOutcome =
  | { kind: 'answered'; status: number; body: unknown }
  | { kind: 'timeout' }
  | { kind: 'unreachable'; error: string };

export interface ProvisionFacts {
  uuid: string;
  name: string;
  plan: string;
  region: string;
  callbackUrl: string;
  options: Record<string, string>;
  /** Heroku's one-time code the partner exchanges for its add-on's tokens */
  oauthGrant: OAuthGrantJson;
}

/** Heroku's provisioning body (`POST {base_url}`). */
export function provisionRequest(facts: ProvisionFacts): PartnerRequest {
  return {
    method: 'POST',
    path: '',
    idempotent: false,
    body: { uuid: facts.uuid, name: facts.name, plan: facts.plan, region: facts.region, callback_url: facts.callbackUrl, options: facts.options, oauth_grant: facts.oauthGrant, log_input_url: null, log_drain_token: null },
  };
}

export function planChangeRequest(uuid: string, plan: string): PartnerRequest {
  return { method: 'PUT', path: `/${encodeURIComponent(uuid)}`, idempotent: true, body: { uuid, plan } };
}

export function deprovisionRequest(uuid: string): PartnerRequest {
  return { method: 'DELETE', path: `/${encodeURIComponent(uuid)}`, idempotent: true };
}

/** How a provisioning (or plan change) answer reads. */
export type PartnerVerdict =
  | { kind: 'done'; config: Record<string, string>; providerId: string | null; message: string | null }
  | { kind: 'accepted'; providerId: string | null; message: string | null }
  | { kind: 'refused'; message: string }
  | { kind: 'failed'; reason: string; /** the partner may have made it: deprovision to be sure */ compensate: boolean };

const record = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

/** Only string values of the vars the manifest names: a partner sets nothing else on an app. */
export function allowedConfig(manifest: Pick<PartnerManifest, 'api'>, config: unknown): Record<string, string> {
  const allowed = new Set(manifest.api.config_vars);
  return Object.fromEntries(Object.entries(record(config)).filter(([name, value]) => allowed.has(name) && typeof value === 'string')) as Record<string, string>;
}

export function readProvisioning(manifest: Pick<PartnerManifest, 'api'>, outcome: PartnerOutcome, asyncAllowed = true): PartnerVerdict {
  if (outcome.kind === 'timeout') return { kind: 'failed', reason: 'the partner did not answer in time', compensate: true };
  if (outcome.kind === 'unreachable') return { kind: 'failed', reason: `the partner could not be reached (${outcome.error})`, compensate: !/ECONNREFUSED|ENOTFOUND/.test(outcome.error) };
  const body = record(outcome.body);
  const providerId = text(body.id);
  const message = text(body.message);
  if (outcome.status === 200 || outcome.status === 201) return { kind: 'done', config: allowedConfig(manifest, body.config), providerId, message };
  if (outcome.status === 202 && asyncAllowed) return { kind: 'accepted', providerId, message };
  if (outcome.status >= 400 && outcome.status < 500) return { kind: 'refused', message: message ?? `the partner refused (${outcome.status})` };
  return { kind: 'failed', reason: `the partner answered ${outcome.status}`, compensate: outcome.status >= 500 };
}

/** A deprovision is done when the partner says so or says the resource is gone already. */
export function deprovisioned(outcome: PartnerOutcome): boolean {
  return outcome.kind === 'answered' && ((outcome.status >= 200 && outcome.status < 300) || outcome.status === 404 || outcome.status === 410);
}

/** Worth another try: no answer, or a 5xx / 429 (never a 4xx: the partner said no). */
export function retryable(outcome: PartnerOutcome): boolean {
  if (outcome.kind !== 'answered') return true;
  return outcome.status >= 500 || outcome.status === 429;
}

/** Exponential backoff: base, 2×base, 4×base … */
export function backoffMs(attempt: number, baseMs: number): number {
  return baseMs * 2 ** attempt;
}

/** Heroku's renaming per attachment: the manifest's prefix (MYADDON in MYADDON_URL) replaced by
 *  the attachment's name (PRIMARY_MYADDON → PRIMARY_MYADDON_URL). */
export function attachmentConfigVars(prefix: string, attachmentName: string, config: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([name, value]) => [`${attachmentName}${name.slice(prefix.length)}`, value]));
}

/** The config var names an attachment has (for `config_vars` and for unsetting). */
export function attachmentConfigVarNames(prefix: string, attachmentName: string, config: Record<string, string>): string[] {
  return Object.keys(attachmentConfigVars(prefix, attachmentName, config));
}

/** The first attachment is named by the prefix; further ones on the same app get a colour, as on Heroku. */
export function partnerAttachmentName(prefix: string, taken: ReadonlySet<string>): string {
  if (!taken.has(prefix)) return prefix;
  const color = ATTACHMENT_COLORS.find((c) => !taken.has(`${prefix}_${c}`));
  if (!color) throw new Error(`no free attachment name for ${prefix}`);
  return `${prefix}_${color}`;
}

/** Heroku's SSO v3 token: sha1 of `resource_id:sso_salt:timestamp`, hex. */
export function ssoToken(resourceId: string, salt: string, timestamp: number): string {
  return createHash('sha1').update(`${resourceId}:${salt}:${timestamp}`).digest('hex');
}

export interface SsoFacts {
  resourceId: string;
  salt: string;
  /** seconds since the epoch */
  timestamp: number;
  email: string;
  userId: string;
  app: string;
  addon: string;
}

/** The form fields POSTed to the partner's sso_url (Heroku's names). nav-data is Heroku's blob for
 *  its navigation header: here base64 JSON naming the app and add-on. */
export function ssoParams(facts: SsoFacts): Record<string, string> {
  return {
    resource_id: facts.resourceId,
    resource_token: ssoToken(facts.resourceId, facts.salt, facts.timestamp),
    timestamp: String(facts.timestamp),
    email: facts.email,
    user_id: facts.userId,
    app: facts.app,
    context_app: facts.app,
    'nav-data': Buffer.from(JSON.stringify({ app: facts.app, addon: facts.addon })).toString('base64'),
  };
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page that sends the browser on to the partner: a form POSTed as soon as it loads. */
export function ssoFormPage(action: string, params: Record<string, string>): string {
  const inputs = Object.entries(params).map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Opening the add-on</title></head><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(action)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form></body></html>\n`;
}
