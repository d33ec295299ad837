// The provider's brand: the one file (SLIPWAY_BRAND_FILE) that names the platform everywhere a
// user looks: router pages, git and build output, API errors, tokens, emails, the CLI. Only
// `name` is required; everything else is derived from it (brandOf).
import { z } from 'zod';
import { parseSettingsFile, readSettingsFile } from './settings-file.js';

const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb');
const hostname = z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, 'a lowercase hostname');
const httpUrl = z.string().url().refine((u) => /^https?:\/\//.test(u), 'an http(s) URL');

const brandSchema = z
  .object({
    name: z.string().trim().min(1).max(60),
    short_name: z.string().trim().min(1).max(30).optional(),
    /** the CLI's command (and npm bin) name */
    cli_command: z.string().regex(/^[a-z][a-z0-9-]{0,29}$/, 'lowercase letters, digits and dashes, starting with a letter').optional(),
    apps_domain: hostname.optional(),
    api_hostname: hostname.optional(),
    dashboard_hostname: hostname.optional(),
    support_url: httpUrl.optional(),
    terms_url: httpUrl.optional(),
    colors: z.object({ primary: colour.optional(), background: colour.optional(), text: colour.optional() }).strict().optional(),
    logo_url: httpUrl.optional(),
    /** the start of every API token (`<prefix>_<id>_<secret>`), so leaked ones can be recognised by scanners */
    token_prefix: z.string().regex(/^[a-z][a-z0-9]{1,9}$/, '2 to 10 lowercase letters and digits, starting with a letter').optional(),
  })
  .strict();

export interface Brand {
  name: string;
  shortName: string;
  cliCommand: string;
  appsDomain: string | null;
  apiHostname: string | null;
  dashboardHostname: string | null;
  supportUrl: string | null;
  termsUrl: string | null;
  colors: { primary: string; background: string; text: string };
  logoUrl: string | null;
  tokenPrefix: string;
}

/** Pure: a name as a command or a token prefix would have it ("Acme Cloud" → "acme-cloud"). */
export function slugOf(name: string): string {
  const slug = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return /^[a-z]/.test(slug) ? slug.slice(0, 30).replace(/-+$/, '') : `p-${slug}`.slice(0, 30).replace(/-+$/, '');
}

/** Pure: the whole brand from the file's fields, the rest derived from the name. */
export function brandOf(fields: z.output<typeof brandSchema>): Brand {
  const slug = slugOf(fields.name);
  return {
    name: fields.name,
    shortName: fields.short_name ?? fields.name,
    cliCommand: fields.cli_command ?? slug,
    appsDomain: fields.apps_domain ?? null,
    apiHostname: fields.api_hostname ?? (fields.apps_domain ? `api.${fields.apps_domain}` : null),
    dashboardHostname: fields.dashboard_hostname ?? (fields.apps_domain ? `dashboard.${fields.apps_domain}` : null),
    supportUrl: fields.support_url ?? null,
    termsUrl: fields.terms_url ?? null,
    colors: { primary: fields.colors?.primary ?? '#4b2ca0', background: fields.colors?.background ?? '#ffffff', text: fields.colors?.text ?? '#1f1f1f' },
    logoUrl: fields.logo_url ?? null,
    tokenPrefix: fields.token_prefix ?? (slug.replace(/-/g, '').slice(0, 10) || 'p'),
  };
}

/** Slipway's own brand, when the operator names none. */
export const DEFAULT_BRAND: Brand = { ...brandOf({ name: 'Slipway' }), tokenPrefix: 'slw' };

/** Pure: a brand file's text (YAML, of which JSON is a part), or a ConfigError naming the bad field. */
export function parseBrand(text: string, source: string): Brand {
  return brandOf(parseSettingsFile(brandSchema, text, source));
}

/** The brand SLIPWAY_BRAND_FILE names (read once at start), or the default. */
export function loadBrand(file: string | undefined): Brand {
  return file ? parseBrand(readSettingsFile('SLIPWAY_BRAND_FILE', file), file) : DEFAULT_BRAND;
}
