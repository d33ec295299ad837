// Heroku's add-on manifest (v3 Partner API), as an operator registers a third-party service:
// the partner's id and password (HTTP Basic on every call to it), its SSO salt, where to call
// it, which config vars it may set, and the plans Slipway offers of it with their price label.
import { z } from 'zod';
import { addonService } from '../../common/addons.js';

const configVarName = /^[A-Z][A-Z0-9_]*$/;
const httpUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });

const plan = z.object({
  /** 'test' in `addons:create <id>:test` */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes'),
  description: z.string().max(200).optional(),
  /** Heroku's price label (a month's cents); Slipway bills nothing itself. Flat, not Heroku's
   *  {cents, unit}: the API's fuzzer (schemathesis) crashed generating the deeper body. */
  price_cents: z.number().int().min(0),
  default: z.boolean().optional(),
});

export const partnerManifest = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]{2,29}$/, 'a slug: 3-30 lower-case letters, digits and dashes, starting with a letter'),
    name: z.string().min(1).max(60),
    api: z.object({
      config_vars: z.array(z.string().regex(configVarName, 'upper-case letters, digits and underscores')).min(1),
      config_vars_prefix: z.string().regex(configVarName).optional(),
      password: z.string().min(8),
      sso_salt: z.string().min(8),
      regions: z.array(z.string().min(1)).min(1).default(['us']),
      requires: z.array(z.string()).default([]),
      production: z.object({ base_url: httpUrl, sso_url: httpUrl }),
      version: z.literal('3'),
    }),
    plans: z.array(plan).min(1),
  })
  .superRefine((manifest, ctx) => {
    if (addonService(manifest.id)) ctx.addIssue({ code: 'custom', path: ['id'], message: 'is a built-in add-on service' });
    const prefix = configVarPrefix(manifest);
    manifest.api.config_vars.forEach((name, index) => {
      if (!name.startsWith(`${prefix}_`)) ctx.addIssue({ code: 'custom', path: ['api', 'config_vars', index], message: `must start with ${prefix}_ (the id, or api.config_vars_prefix)` });
    });
    const names = manifest.plans.map((p) => p.name);
    names.forEach((name, index) => {
      if (names.indexOf(name) !== index) ctx.addIssue({ code: 'custom', path: ['plans', index, 'name'], message: 'is given twice' });
    });
    if (manifest.plans.filter((p) => p.default).length > 1) ctx.addIssue({ code: 'custom', path: ['plans'], message: 'at most one plan is the default' });
  });

export type PartnerManifest = z.infer<typeof partnerManifest>;
export type PartnerPlan = PartnerManifest['plans'][number];

/** Heroku's rule: the config vars start with the id upper-cased (dashes as underscores) unless
 *  the manifest names another prefix; the first attachment is named by it. */
export function configVarPrefix(manifest: Pick<PartnerManifest, 'id' | 'api'>): string {
  return manifest.api.config_vars_prefix ?? manifest.id.toUpperCase().replace(/-/g, '_');
}

/** A plan by its short name, or the default (the one marked, else the first). */
export function partnerPlan(manifest: PartnerManifest, name: string | undefined): PartnerPlan | null {
  if (name === undefined || name === '') return manifest.plans.find((p) => p.default) ?? manifest.plans[0]!;
  return manifest.plans.find((p) => p.name === name.toLowerCase()) ?? null;
}
