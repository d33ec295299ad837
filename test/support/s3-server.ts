// A real S3-compatible server (moto) on a free loopback port for tests, with one bucket made.
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { BackupStorage } from '../../common/protocol.js';
import { freePort } from '../../common/ports.js';
import { ensureMoto, startS3Server } from '../../supervisor/s3-server.js';
import type { RunningService } from '../../supervisor/services.js';

export interface TestS3 {
  service: RunningService;
  storage: BackupStorage;
  client: S3Client;
  stop(): Promise<void>;
}

export async function startTestS3(bucket = 'slipway-backups'): Promise<TestS3> {
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'slipway');
  const motoDir = await ensureMoto(cache, process.env.SLIPWAY_BUILD_CA_FILE ?? '/etc/ssl/certs/ca-certificates.crt');
  const service = await startS3Server({ dataDir: cache, port: await freePort(), motoDir });
  const storage: BackupStorage = { endpoint: service.url, region: 'us-east-1', bucket, accessKeyId: 'test-key', secretAccessKey: 'test-secret', forcePathStyle: true };
  const client = new S3Client({ endpoint: storage.endpoint!, region: storage.region, forcePathStyle: true, credentials: { accessKeyId: storage.accessKeyId, secretAccessKey: storage.secretAccessKey } });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    service,
    storage,
    client,
    stop: async () => {
      client.destroy();
      await service.stop();
    },
  };
}
