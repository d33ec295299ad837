// The stacks apps may choose (the builder's recipes: bookworm, trixie), as the Platform API
// names them. Pure: ids are derived from names, so every control plane agrees on them.
import { nameUuid } from '../common/name-uuid.js';
import { InvalidParamsError } from '../common/errors.js';
import { STACK_RECIPES } from '../buildpacks/stack/recipe.js';

export interface StackInfo {
  /** A UUID derived from the name (Heroku's stacks have UUIDs; ours never change). */
  id: string;
  /** The Debian suite: 'bookworm', 'trixie'. */
  name: string;
}

/** A stack's id: a UUID from its name. */
export function stackId(name: string): string {
  return nameUuid(name);
}

/** Every stack, oldest first. */
export const STACKS: readonly StackInfo[] = STACK_RECIPES.map((recipe) => ({ id: stackId(recipe.name), name: recipe.name }));

/** The stack a name or id means (Heroku accepts either), or undefined. */
export function findStack(nameOrId: string, stacks: readonly StackInfo[] = STACKS): StackInfo | undefined {
  const wanted = nameOrId.trim().toLowerCase();
  return stacks.find((stack) => stack.name === wanted || stack.id === wanted);
}

/** The stack a request names, or a 422 that lists the stacks there are. */
export function requireStack(nameOrId: string, stacks: readonly StackInfo[] = STACKS): StackInfo {
  const stack = findStack(nameOrId, stacks);
  if (!stack) {
    throw new InvalidParamsError(`Stack ${JSON.stringify(nameOrId)} does not exist. Stacks: ${stacks.map((s) => s.name).join(', ')}.`);
  }
  return stack;
}

/** A stack's API shape for a stored name (a record written before its stack was removed keeps its name). */
export function stackRef(name: string): StackInfo {
  return findStack(name) ?? { id: stackId(name), name };
}

/** The stack an app's next build uses: its build stack, or (older records) its stack. */
export function buildStackOf(app: { stack: string; buildStack?: string }): string {
  return app.buildStack ?? app.stack;
}
