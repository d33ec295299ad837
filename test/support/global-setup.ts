// Runs once before all test files: the machine gets what the tests need (Debian packages,
// a Docker Engine). Services the tests talk to are started per test file (services.ts).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDockerEngine, ensurePackages, type DockerEngine } from '../../supervisor/host-setup.js';
import { PLATFORM_PACKAGES, TEST_PACKAGES } from '../../supervisor/packages.js';

let engine: DockerEngine | undefined;

export async function setup(): Promise<void> {
  const log = (line: string) => console.log(`[test setup] ${line}`);
  ensurePackages([...PLATFORM_PACKAGES, ...TEST_PACKAGES], log);
  engine = await ensureDockerEngine(join(tmpdir(), 'slipway-test-dockerd'), log);
}

export async function teardown(): Promise<void> {
  await engine?.stop();
}
