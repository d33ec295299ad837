// Real services for tests: each on a free port with its own data dir, stopped and removed
// by the caller (usually in afterAll).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../common/ports.js';
import { startNats, startRedis, startRegistry, type RunningService, type ServiceOptions } from '../../supervisor/services.js';

async function startInTempDir(
  name: string,
  start: (options: ServiceOptions) => Promise<RunningService>,
): Promise<RunningService> {
  const dataDir = await mkdtemp(join(tmpdir(), `slipway-test-${name}-`));
  // A port found free can be taken before the service binds it: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const service = await start({ dataDir, port: await freePort() });
      return {
        ...service,
        stop: async () => {
          await service.stop();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      lastError = err;
    }
  }
  await rm(dataDir, { recursive: true, force: true });
  throw lastError;
}

export const startTestRedis = () => startInTempDir('redis', startRedis);
export const startTestNats = () => startInTempDir('nats', startNats);
export const startTestRegistry = () => startInTempDir('registry', startRegistry);
