// The Platform API's JSON as the CLI reads it. The shapes the control plane builds with its
// representation functions are taken from those functions (types only: nothing of the
// server is loaded at run time), so a change there is a type error here.
import type { appJson, buildJson, dynoJson, formationJson, hostJson, releaseJson } from '../control-plane/http/representations.js';

export type AppJson = ReturnType<typeof appJson>;
export type ReleaseJson = ReturnType<typeof releaseJson>;
export type BuildJson = ReturnType<typeof buildJson>;
export type FormationJson = ReturnType<typeof formationJson>;
export type DynoJson = ReturnType<typeof dynoJson>;
export type HostJson = ReturnType<typeof hostJson>;

// Built inline by the routes (control-plane/routes/account.ts, domains.ts).
export interface AccountJson {
  id: string;
  email: string;
  admin: boolean;
  created_at: string;
}

export interface NewUserJson extends AccountJson {
  token: string;
}

export interface TokenJson {
  id: string;
  description: string;
  createdAt: string;
}

export interface NewTokenJson extends TokenJson {
  token: string;
}

export interface DomainJson {
  hostname: string;
  kind: 'default' | 'custom';
  app: { id: string; name: string };
}

export type ConfigVarsJson = Record<string, string>;
