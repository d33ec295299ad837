// Helpers shared by the agent's tests (not used by the agent itself).
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import type { NatsConnection } from 'nats';
import { pino } from 'pino';
import ts from 'typescript';
import type { Logger } from '../../common/logger.js';
import type { RunInstanceRequest } from '../../common/protocol.js';
import type { ImageRef } from '../../common/types.js';
import { LABELS } from '../labels.js';
import { ADDON_LABELS, NETWORK_LABELS } from '../../common/labels.js';
import { removeHostFirewall, removeNetwork } from '../../common/networks.js';
import { addonNetworkSpec } from '../addon-spec.js';
import { AddonBackups } from '../addon-backups.js';
import { AddonManager } from '../addons.js';
import { serveCommands, type CommandServer } from '../commands.js';
import { DockerContainerEngine } from '../docker-engine.js';
import { silentLogger } from '../../common/logger.js';

/** A host id no other test (or engineer) uses: cleanup by its label removes only ours. */
export function uniqueHostId(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function runRequest(image: ImageRef, overrides: Partial<RunInstanceRequest> = {}): RunInstanceRequest {
  const instanceId = overrides.instanceId ?? `i-${randomBytes(4).toString('hex')}`;
  return {
    instanceId,
    appId: 'app-1',
    appName: 'testapp',
    type: 'web',
    index: 1,
    releaseVersion: 1,
    image,
    command: 'node /app/server.js',
    env: {},
    memoryMb: 128,
    cpus: 0.5,
    checkPort: true,
    bootTimeoutSeconds: 30,
    healthCheck: null,
    addons: [],
    ...overrides,
  };
}

/** Removes every container, volume and add-on network (with its firewall rule) labeled for one of
 *  `hostIds` (test hosts only): networks left behind would hold their subnets. */
export async function removeHostLeftovers(docker: Docker, hostIds: readonly string[]): Promise<void> {
  for (const hostId of hostIds) {
    const containers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.host}=${hostId}`] } });
    for (const info of containers) {
      await docker.getContainer(info.Id).remove({ force: true, v: true }).catch(() => {});
    }
    const networks = await docker.listNetworks({ filters: { label: [`${LABELS.host}=${hostId}`, `${NETWORK_LABELS.role}=addon`] } });
    for (const addonId of new Set(networks.flatMap((network) => network.Labels?.[ADDON_LABELS.addon] ?? []))) {
      const spec = addonNetworkSpec(hostId, addonId);
      await removeNetwork(docker, spec).catch(() => {});
      await removeHostFirewall(spec).catch(() => {});
    }
    const { Volumes } = await docker.listVolumes({ filters: { label: [`${LABELS.host}=${hostId}`] } });
    for (const volume of Volumes ?? []) await docker.getVolume(volume.Name).remove().catch(() => {});
  }
}

/** One agent's add-on work for test host `hostId` on `docker` (AddonManager, AddonBackups), answering
 *  its add-on NATS commands on `agentSide` (the rest refused): the control plane's add-on and backup
 *  tests drive a real agent this way without the whole Agent. Close `commands`, then
 *  removeHostLeftovers(docker, [hostId]). */
export function serveAddonHost(agentSide: NatsConnection, docker: Docker, registryHost: string, hostId: string): { manager: AddonManager; commands: CommandServer } {
  const settings = { hostId, registry: registryHost, address: '127.0.0.1' };
  const engine = new DockerContainerEngine(docker, hostId);
  const manager = new AddonManager({ host: settings, engine, log: silentLogger() });
  const agentBackups = new AddonBackups({ host: settings, engine, log: silentLogger(), servers: manager });
  const unused = () => Promise.reject(new Error('not in this test'));
  const commands = serveCommands(
    agentSide,
    hostId,
    {
      run: unused,
      stop: unused,
      oneOff: unused,
      stopOneOff: unused,
      list: () => ({ ok: true, instances: [] }),
      addonRun: (r) => manager.run(r),
      addonRemove: (r) => manager.remove(r.addonId),
      addonBackup: (r) => agentBackups.capture(r),
      addonRestore: (r) => agentBackups.restore(r),
    },
    silentLogger(),
  );
  return { manager, commands };
}

/** A logger that keeps its JSON lines, for asserting on what the agent logs (and never logs). */
export function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  return { log, lines };
}

/** Transpiles the agent and what it imports into `outDir` (no type check: tsc does that). */
export async function transpileAgent(outDir: string): Promise<string> {
  const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
  // every module of these folders, subfolders too (common/backups, …), tests left out
  const transpile = async (folder: string): Promise<void> => {
    await mkdir(join(outDir, folder), { recursive: true });
    for (const entry of await readdir(join(root, folder), { withFileTypes: true })) {
      const name = entry.name;
      if (entry.isDirectory()) {
        await transpile(join(folder, name));
        continue;
      }
      if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
      const source = await readFile(join(root, folder, name), 'utf8');
      const output = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
        fileName: name,
      });
      await writeFile(join(outDir, folder, name.replace(/\.ts$/, '.js')), output.outputText);
    }
  };
  for (const folder of ['agent', 'common']) await transpile(folder);
  await writeFile(join(outDir, 'package.json'), JSON.stringify({ type: 'module' }));
  await symlink(join(root, 'node_modules'), join(outDir, 'node_modules'));
  return join(outDir, 'agent', 'main.js');
}
