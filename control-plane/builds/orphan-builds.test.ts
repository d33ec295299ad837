// A control plane killed (SIGKILL) in the middle of a real build, then started again on the same
// state: the build is marked failed, its container removed, its app lock cleared, and the next
// push builds. The control plane runs as its own process (dist/control-plane/main.js) with the
// real builder on the real stack, Docker Engine, registry, Redis and NATS.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../common/api-token.js';
import { BUILD_CONTAINER_LABELS } from '../../common/labels.js';
import { freePort } from '../../common/ports.js';
import { TEST_BUILDER_DIR, uniqueAppName } from '../../buildpacks/testing/build-fixtures.js';
import { apiClient } from '../../test/support/control-plane.js';
import { startTestNats, startTestRedis, startTestRegistry } from '../../test/support/services.js';
import { waitFor } from '../../test/support/wait.js';
import type { RunningService } from '../../supervisor/services.js';
import { ORPHAN_FAILURE } from './orphans.js';

const exec = promisify(execFile);
const docker = new Docker();
const MAIN = fileURLToPath(new URL('../../dist/control-plane/main.js', import.meta.url));

describe('a control plane killed mid-build', () => {
  let services: RunningService[] = [];
  let home: string;
  let work: string;
  let port: number;
  let controlPlane: ChildProcess | null = null;
  const adminToken = issueToken().token;
  const app = uniqueAppName('orphan');
  const api = () => apiClient(`http://127.0.0.1:${port}`, adminToken);
  const buildContainers = () => docker.listContainers({ all: true, filters: { label: [`${BUILD_CONTAINER_LABELS.app}=${app}`] } });

  async function startControlPlane(): Promise<ChildProcess> {
    const [redis, nats, registry] = services as [RunningService, RunningService, RunningService];
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        SLIPWAY_HOME: home,
        SLIPWAY_API_HOST: '127.0.0.1',
        SLIPWAY_API_PORT: String(port),
        SLIPWAY_REDIS_URL: redis.url,
        SLIPWAY_NATS_URL: nats.url,
        SLIPWAY_REGISTRY: registry.url,
        SLIPWAY_LOCAL_HOSTS: '0',
        SLIPWAY_BOOTSTRAP_ADMIN_TOKEN: adminToken,
        // the cached runtime and metadata only: nothing is fetched from outside this machine
        SLIPWAY_NPM_REGISTRY: 'http://127.0.0.1:1',
        SLIPWAY_BUILD_MEMORY_MB: '512',
        SLIPWAY_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitFor('the control plane to answer', async () => (await api()('GET', '/apps')).status === 200, 60_000);
    return child;
  }

  const push = () => {
    const url = new URL(`http://127.0.0.1:${port}/${app}.git`);
    url.username = 'anyone';
    url.password = adminToken;
    return exec('git', ['push', url.toString(), 'main'], { cwd: work, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, maxBuffer: 16 * 1024 * 1024 }).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
  };
  const git = (...args: string[]) => exec('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], { cwd: work });

  beforeAll(async () => {
    services = await Promise.all([startTestRedis(), startTestNats(), startTestRegistry()]);
    port = await freePort();
    home = await mkdtemp(join(tmpdir(), 'slipway-orphan-cp-'));
    // Node.js runtimes and npm metadata from the builder tests' shared cache
    await mkdir(join(home, 'cache'), { recursive: true });
    await symlink(join(TEST_BUILDER_DIR, 'cache', 'runtimes'), join(home, 'cache', 'runtimes'));
    await cp(join(TEST_BUILDER_DIR, 'cache', 'npm-metadata'), join(home, 'cache', 'npm-metadata'), { recursive: true });
    work = await mkdtemp(join(tmpdir(), 'slipway-orphan-app-'));
    await cp(fileURLToPath(new URL('../../test/fixtures/node-hang/', import.meta.url)), work, { recursive: true });
    await git('init', '-q', '-b', 'main');
    await git('add', '.');
    await git('commit', '-qm', 'hangs');
  }, 120_000);

  afterAll(async () => {
    controlPlane?.kill('SIGKILL');
    for (const info of await buildContainers()) await docker.getContainer(info.Id).remove({ force: true }).catch(() => undefined);
    await Promise.all(services.map((s) => s.stop()));
    if (home) await rm(home, { recursive: true, force: true });
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('marks the build failed, removes its container, clears the lock, and the next push builds', async () => {
    controlPlane = await startControlPlane();
    expect((await api()('POST', '/apps', { name: app })).status).toBe(201);
    const hung = push();
    const [container] = await waitFor('the build container to run', async () => {
      const found = await buildContainers();
      return found.length > 0 && found[0]!.State === 'running' ? found : null;
    }, 300_000);
    const [pending] = (await api()('GET', `/apps/${app}/builds`)).body as { id: string; status: string }[];
    expect(pending?.status).toBe('pending');

    controlPlane.kill('SIGKILL');
    await new Promise((resolve) => controlPlane!.once('exit', resolve));
    expect((await hung).code).not.toBe(0);
    // what the dead control plane left: its build container is still there
    expect((await buildContainers()).map((c) => c.Id)).toEqual([container!.Id]);

    controlPlane = await startControlPlane();
    const builds = (await api()('GET', `/apps/${app}/builds`)).body as { id: string; status: string; failure?: string }[];
    expect(builds).toMatchObject([{ id: pending!.id, status: 'failed', failure: ORPHAN_FAILURE }]);
    expect(await buildContainers()).toEqual([]);

    await git('rm', '-q', 'hang');
    await git('commit', '-qm', 'no more hanging');
    const next = await push();
    expect(next.out).toContain('remote:        build started');
    expect(next.out).toContain('remote: -----> Released v1');
    expect(next.code).toBe(0);
    expect(((await api()('GET', `/apps/${app}/builds`)).body as { status: string }[]).map((b) => b.status)).toEqual(['failed', 'succeeded']);
  }, 600_000);
});
