// A local S3-compatible object store for add-on backups: moto's server (PyPI's `moto[server]`),
// installed once with Debian's pip into a directory of its own (nothing touches the system's
// Python), run on 127.0.0.1. The tests start one per file; `npm start` starts one when
// SLIPWAY_BACKUPS_S3_ENDPOINT=local. moto keeps objects in memory: a development store, not a
// production one (point the platform at a real S3-compatible service for that).
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { started, tcpAnswers, type RunningService, type ServiceOptions } from './services.js';

const exec = promisify(execFile);
export const MOTO_VERSION = '5.1.18';
const PYTHON = '/usr/bin/python3';

/** Pure: where moto is installed under a cache directory. */
export function motoDir(cacheDir: string): string {
  return join(cacheDir, `moto-${MOTO_VERSION}`);
}

/** Installs moto's server under `cacheDir` unless it is there already; `caFile`: the bundle PyPI's TLS is checked against. */
export async function ensureMoto(cacheDir: string, caFile: string): Promise<string> {
  const target = motoDir(cacheDir);
  if (!existsSync(join(target, 'moto', 'server.py'))) {
    await exec(PYTHON, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', '--target', target, '--cert', caFile, `moto[server]==${MOTO_VERSION}`], {
      maxBuffer: 16 * 1024 * 1024,
    });
  }
  return target;
}

/** Pure: the server's argv (bound to loopback only). */
export function motoArgv(port: number): string[] {
  return [PYTHON, '-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)];
}

export async function startS3Server(options: ServiceOptions & { motoDir: string }): Promise<RunningService> {
  const spec = {
    name: 's3',
    argv: motoArgv(options.port),
    env: { ...process.env, PYTHONPATH: options.motoDir, PYTHONDONTWRITEBYTECODE: '1' },
    onLine: options.onLine,
    onSpawn: options.onSpawn,
  };
  return started('s3', `http://127.0.0.1:${options.port}`, spec, () => tcpAnswers(options.port, 'GET /moto-api/ HTTP/1.0\r\n\r\n', /^HTTP\/1\.[01] 200/), options);
}

/** moto takes any credentials; these only have to be there. */
const LOCAL_CREDENTIALS = { accessKeyId: 'slipway-local', secretAccessKey: 'slipway-local' };

/** Pure: the control plane's settings for the local store. */
export function localBackupsEnv(url: string, bucket: string): Record<string, string> {
  return {
    SLIPWAY_BACKUPS_S3_ENDPOINT: url,
    SLIPWAY_BACKUPS_S3_BUCKET: bucket,
    SLIPWAY_BACKUPS_S3_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    SLIPWAY_BACKUPS_S3_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
}

/** The launcher's local backups store: moto installed under `cacheDir`, started, `bucket` made. */
export async function startLocalBackupsStore(options: ServiceOptions & { cacheDir: string; caFile: string; bucket: string }): Promise<{ service: RunningService; env: Record<string, string> }> {
  const service = await startS3Server({ ...options, motoDir: await ensureMoto(options.cacheDir, options.caFile) });
  const client = new S3Client({ endpoint: service.url, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
  try {
    await client.send(new CreateBucketCommand({ Bucket: options.bucket }));
  } catch (err) {
    await service.stop();
    throw err;
  } finally {
    client.destroy();
  }
  return { service, env: localBackupsEnv(service.url, options.bucket) };
}
