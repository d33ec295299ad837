// Who may do what in the platform registry, decided on the scopes a token request names
// (Docker's token auth: the token server grants the part of each request it allows, and the
// registry refuses the rest). Pure: the apps a user may change are looked up beforehand.
//
// A user's repositories are `<app>/<process type>` (Heroku's `registry.heroku.com/<app>/web`):
// push and pull on those of apps they may change, pull on the stack images (everyone's base),
// nothing else. Not the platform's builds (`<prefix>/<app>`): a renamed app's builds stay
// under its old name, which another user may take. Nothing under the app prefix's first
// component is ever an app's own repository, so an app named like the prefix reaches no builds. The platform's credentials get what
// they ask for (the builder pushes, agents pull, the image collector lists and deletes).
import { appNameProblem, processTypeProblem } from '../../common/names.js';
import type { RequestedAccess } from '../../common/registry-token.js';

export interface GrantedAccess {
  type: string;
  name: string;
  actions: string[];
}

export type RegistryPrincipal = { kind: 'platform' } | { kind: 'user'; /** names of the apps the user may change */ changeable: ReadonlySet<string> };

export interface RegistryRepositories {
  /** Apps' built images live in `<appPrefix>/<app>`. */
  appPrefix: string;
  /** The stack images' repository. */
  stack: string;
}

const PUSH_PULL = ['pull', 'push'];
const PULL = ['pull'];

/** Pure: whose repository `name` is, and the most a user who may change that app gets on it (app null: every user). */
export function repositoryOwner(name: string, repositories: RegistryRepositories): { app: string | null; actions: string[] } | null {
  if (name === repositories.stack) return { app: null, actions: PULL };
  const parts = name.split('/');
  if (parts.length !== 2) return null;
  const [app, type] = parts as [string, string];
  if (app === repositories.appPrefix.split('/')[0] || appNameProblem(app) !== null || processTypeProblem(type) !== null) return null;
  return { app, actions: PUSH_PULL };
}

/** Pure: the app names the requested scopes are about (to look up whether the user may change them). */
export function appsNamed(requested: readonly RequestedAccess[], repositories: RegistryRepositories): string[] {
  const apps = new Set<string>();
  for (const scope of requested) {
    const app = scope.type === 'repository' ? repositoryOwner(scope.name, repositories)?.app : null;
    if (app) apps.add(app);
  }
  return [...apps];
}

/** Pure: what the token grants; scopes granting nothing are left out (the registry then refuses them). */
export function grantAccess(requested: readonly RequestedAccess[], principal: RegistryPrincipal, repositories: RegistryRepositories): GrantedAccess[] {
  const granted: GrantedAccess[] = [];
  for (const scope of requested) {
    let actions: string[];
    if (principal.kind === 'platform') {
      actions = scope.actions;
    } else {
      const owner = scope.type === 'repository' ? repositoryOwner(scope.name, repositories) : null;
      const allowed = owner && (owner.app === null || principal.changeable.has(owner.app)) ? owner.actions : [];
      actions = scope.actions.filter((action) => allowed.includes(action));
    }
    if (actions.length > 0) granted.push({ type: scope.type, name: scope.name, actions });
  }
  return granted;
}
