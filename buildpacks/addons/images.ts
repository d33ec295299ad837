// Add-on server images (PostgreSQL, Redis), made like the stack's language packages: Debian's
// packages apt-installed over the stack's run image in a root container and committed (the
// server then runs as the stack's non-root user), then pushed to the platform registry as
// `slipway/addon-<service>:<key>` so every host's agent pulls it by digest. Built once per stack
// and package set, found by name afterwards.
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { addonPlanPackages, type AddonPlan, type AddonService } from '../../common/addons.js';
import { STACK_LABELS } from '../../common/labels.js';
import { followProgress, pushedDigest } from '../../common/docker-progress.js';
import type { ImageRef } from '../../common/types.js';
import type { BuilderConfig } from '../config.js';
import { AddonVersionUnavailableError, PackagesUnavailableError, StackError } from '../errors.js';
import { withFileLock } from '../lock.js';
import { detail, heading, type BuildLog } from '../log.js';
import { engineAuthConfig } from '../registry-access.js';
import { inspectLocalImage } from '../stack/docker-images.js';
import type { Stack } from '../stack/ensure.js';
import { installAndCommit } from '../stack/packages.js';
import { canonicalJson } from '../stack/recipe.js';

/** Bump when what goes into an add-on image changes. */
const REVISION = 1;

export interface AddonImage extends ImageRef {
  /** installed version of each package, e.g. { postgresql: '15+248' } */
  versions: Record<string, string>;
}

/** Pure: the key naming this service's image on this stack. */
export function addonImageKey(stack: Pick<Stack, 'id'>, service: Pick<AddonService, 'name' | 'packages'>): string {
  const data = { revision: REVISION, stack: stack.id, service: service.name, packages: [...service.packages].sort() };
  return createHash('sha256').update(canonicalJson(data)).digest('hex').slice(0, 12);
}

/** Pure: the repository in the registry and the local tag. */
export function addonImageNames(registry: string, service: Pick<AddonService, 'name'>, key: string): { repository: string; local: string; remote: string } {
  const repository = `slipway/addon-${service.name}`;
  return { repository, local: `${repository}:${key}`, remote: `${registry}/${repository}:${key}` };
}

/** Pure: what a user is told when the stack has no server for the plan. */
export function addonUnavailableMessage(service: Pick<AddonService, 'name'>, plan: Pick<AddonPlan, 'name' | 'version'>, stackName: string, missing: readonly string[]): string {
  if (service.name === 'postgresql' && plan.version !== undefined) return `${plan.name} asks for PostgreSQL ${plan.version}, which the ${stackName} stack does not offer.`;
  return `${plan.name} needs ${missing.join(', ')}, which the ${stackName} stack does not offer.`;
}

/** Builds (once) and pushes the service's image (for `plan`: its version's packages); returns its
 *  repository and digest. A package the stack's release lacks is an AddonVersionUnavailableError. */
export async function ensureAddonImage(docker: Docker, config: BuilderConfig, stack: Stack, serviceOf: AddonService, log: BuildLog, plan?: Pick<AddonPlan, 'name' | 'version'>): Promise<AddonImage> {
  const service = plan ? { ...serviceOf, packages: addonPlanPackages(serviceOf, plan) } : serviceOf;
  const key = addonImageKey(stack, service);
  const names = addonImageNames(config.registry, service, key);
  const stackDir = join(config.workDir, 'stack');
  await mkdir(stackDir, { recursive: true });
  return withFileLock(join(stackDir, `addon-${key}.lock`), async () => {
    if (!(await inspectLocalImage(docker, names.local))) {
      await log(heading(`Installing ${service.packages.join(' ')} from Debian packages over the ${stack.name} stack (once)`));
      await installAndCommit(docker, stack.runImage, service.packages, names.local, log).catch((err: unknown) => {
        if (err instanceof PackagesUnavailableError) throw new AddonVersionUnavailableError(addonUnavailableMessage(service, plan ?? { name: service.name }, stack.name, err.packages), err);
        throw err;
      });
    }
    const local = await inspectLocalImage(docker, names.local);
    if (!local) throw new StackError(`${names.local} missing right after it was committed`);
    const [repo, tag] = [`${config.registry}/${names.repository}`, key];
    await docker.getImage(names.local).tag({ repo, tag });
    const authconfig = (await engineAuthConfig(config, names.remote)) ?? {};
    const stream = (await docker.getImage(names.remote).push({ authconfig })) as unknown as NodeJS.ReadableStream;
    const digest = pushedDigest(await followProgress(docker.modem, stream, `push ${names.remote}`));
    if (!digest) throw new StackError(`the registry did not report a digest for ${names.remote}`);
    // only the local name stays: agents pull by digest (from the registry, or the layers at hand)
    await docker.getImage(names.remote).remove().catch(() => undefined);
    await log(detail(`add-on image ${names.repository}@${digest}`));
    return { repository: names.repository, digest, versions: versionsOf(local.labels) };
  });
}

function versionsOf(labels: Record<string, string>): Record<string, string> {
  try {
    return JSON.parse(labels[STACK_LABELS.packageVersions] ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}
