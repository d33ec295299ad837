// The engine hosts' user-data (one for the whole group, in the launch template): Docker from
// Debian's packages on its unix socket only, and the agent as a container with the enrollment
// secret, the NATS address, the instance id and address read from IMDSv2, and its host file
// volume; never any host's own token. Checked for content, by cloud-init's schema and systemd,
// and the IMDSv2 script is run for real against a stand-in metadata service on 127.0.0.1.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { userlandProxyEnabled } from '../../common/docker-engine-settings.js';
import { thrown } from '../../test/support/thrown.js';
import { parseCloudConfig, UserDataError } from './cloud-init.js';
import { DOCKER_DAEMON_CONFIG, HOST_PATHS, INSTANCE_IDENTITY_SCRIPT } from './docker-host.js';
import {
  AGENT_ENV_FILE,
  AGENT_SERVICE,
  AGENT_STATE_DIR,
  agentEnvironment,
  agentRunOptions,
  HOST_FILE,
  renderEngineUserData,
  type EngineUserDataInput,
} from './engine-user-data.js';
import { validateCloudConfig, systemdUnits, verifyUnits } from './testing/host-validators.js';

const run = promisify(execFile);

const INPUT: EngineUserDataInput = {
  enrollmentSecret: 'enrollment-secret-0123456789abcdef-XYZ',
  natsAddress: 'nats.slipway.internal:4222',
  registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
  agentImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/slipway/production/agent:0.1.0',
};

const userData = renderEngineUserData(INPUT);
const doc = parseCloudConfig(userData);
const file = (path: string) => {
  const found = doc.write_files.find((f) => f.path === path);
  if (!found) throw new Error(`no ${path}`);
  return found;
};
const unit = file(`/etc/systemd/system/${AGENT_SERVICE}`).content;
const execStart = unit.split('\n').find((line) => line.startsWith('ExecStart='))!;

describe('engine host user-data', () => {
  test('installs Docker Engine and the ECR credential helper from Debian packages', () => {
    expect(userData.startsWith('#cloud-config\n')).toBe(true);
    expect(doc.packages).toEqual(expect.arrayContaining(['docker.io', 'amazon-ecr-credential-helper', 'curl', 'pigz', 'libdeflate-tools']));
    expect(doc.runcmd).toContainEqual(['systemctl', 'restart', 'docker.service']);
    expect(doc.runcmd.at(-1)).toEqual(['systemctl', 'enable', '--now', AGENT_SERVICE]);
  });

  test('keeps dockerd on its unix socket: no TCP listener, no 2375/2376, nothing from /etc/default/docker', () => {
    const dropIn = file(HOST_PATHS.dockerDropIn).content;
    expect(dropIn).toBe('[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n');
    const daemon = JSON.parse(file(HOST_PATHS.daemonJson).content);
    expect(daemon).toEqual(DOCKER_DAEMON_CONFIG);
    expect(daemon.hosts).toBeUndefined();
    expect(userData).not.toMatch(/tcp:\/\//);
    expect(userData).not.toMatch(/\b237[56]\b/);
    expect(userData).not.toMatch(/DOCKER_OPTS|DOCKER_HOST/);
  });

  test("reaches published ports through the kernel's DNAT, not Docker's userland proxy", () => {
    const argv = /ExecStart=(\/usr\/sbin\/dockerd .*)\n/.exec(file(HOST_PATHS.dockerDropIn).content)![1]!.split(' ');
    expect(userlandProxyEnabled({ argv, daemonJson: file(HOST_PATHS.daemonJson).content })).toBe(false);
  });

  test('runs the agent with the enrollment secret and the NATS address, and no host identity of its own', () => {
    const env = file(AGENT_ENV_FILE);
    expect(env.permissions).toBe('0600');
    expect(env.owner).toBe('root:root');
    expect(env.content).toBe(
      [
        `SLIPWAY_ENROLLMENT_SECRET=${INPUT.enrollmentSecret}`,
        `SLIPWAY_HOST_FILE=${HOST_FILE}`,
        'SLIPWAY_NATS_URL=nats://nats.slipway.internal:4222',
        'SLIPWAY_REGISTRY=123456789012.dkr.ecr.us-east-1.amazonaws.com',
        'SLIPWAY_REGISTRY_AUTH_FILE=/run/slipway/registry/auth.json',
        'SLIPWAY_DOCKER_SOCKET=/var/run/docker.sock',
        '',
      ].join('\n'),
    );
    // one user-data for every instance: nothing in it names a host or carries a host token
    expect(userData).not.toMatch(/SLIPWAY_HOST_ID|SLIPWAY_HOST_TOKEN|slwh_/);
    expect(execStart).toMatch(/^ExecStart=\/usr\/bin\/docker run --rm --name slipway-agent /);
    expect(execStart.endsWith(` ${INPUT.agentImage}`)).toBe(true);
    expect(execStart).toContain(`--env-file ${AGENT_ENV_FILE} --env-file ${HOST_PATHS.instanceEnv}`);
    // the secret travels in the 0600 env file only, never on a command line (ps, journal)
    expect(unit).not.toContain(INPUT.enrollmentSecret);
    expect(userData.split(INPUT.enrollmentSecret)).toHaveLength(2);
  });

  test('the agent keeps its enrolled identity in a root-only host directory, its only writable mount', () => {
    expect(execStart).toContain(`--volume ${AGENT_STATE_DIR}:${AGENT_STATE_DIR} `);
    expect(HOST_FILE.startsWith(`${AGENT_STATE_DIR}/`)).toBe(true);
    expect(execStart).toContain('--read-only');
    const makeDir = doc.runcmd.findIndex((argv) => argv.includes(AGENT_STATE_DIR));
    expect(doc.runcmd[makeDir]).toEqual(['install', '-d', '-o', 'root', '-g', 'root', '-m', '0700', AGENT_STATE_DIR]);
    expect(makeDir).toBeLessThan(doc.runcmd.length - 1);
  });

  test('the instance id and address are read from IMDSv2 (token first) before each start', () => {
    expect(unit).toContain(`ExecStartPre=${HOST_PATHS.instanceIdentityScript}`);
    const script = file(HOST_PATHS.instanceIdentityScript);
    expect(script.permissions).toBe('0755');
    expect(script.content).toBe(INSTANCE_IDENTITY_SCRIPT);
    expect(script.content).toContain('-X PUT "$imds/api/token" -H \'X-aws-ec2-metadata-token-ttl-seconds: 60\'');
    expect(script.content).toContain('"$imds/meta-data/instance-id"');
    expect(script.content).toContain('imds=${SLIPWAY_IMDS_URL:-http://169.254.169.254/latest}');
  });

  test('only the agent gets the Docker socket, and it runs with no capabilities on the host network', () => {
    const options = agentRunOptions();
    expect(options).toContain('/var/run/docker.sock:/var/run/docker.sock');
    expect(options.join(' ')).toContain('--cap-drop ALL');
    expect(options.join(' ')).toContain('--network host');
    expect(options.join(' ')).toContain('--security-opt no-new-privileges');
    expect(doc.write_files.filter((f) => f.content.includes('docker.sock')).map((f) => f.path).sort()).toEqual([AGENT_ENV_FILE, `/etc/systemd/system/${AGENT_SERVICE}`]);
  });

  test('ECR pull credentials come from the instance role, refreshed by a timer, mounted read-only', () => {
    expect(JSON.parse(file(`${HOST_PATHS.dockerConfigDir}/config.json`).content)).toEqual({ credHelpers: { [INPUT.registry]: 'ecr-login' } });
    expect(file(HOST_PATHS.registryHost).content).toBe(INPUT.registry);
    expect(execStart).toContain(`--volume ${HOST_PATHS.registryAuthDir}:${HOST_PATHS.registryAuthDir}:ro`);
    expect(doc.runcmd).toContainEqual(['systemctl', 'enable', '--now', 'slipway-registry-auth.timer']);
  });

  test('rejects inputs that could change the meaning of a line, never echoing the secret', () => {
    expect(() => agentEnvironment({ ...INPUT, enrollmentSecret: 'short' })).toThrow(UserDataError);
    expect(() => agentEnvironment({ ...INPUT, enrollmentSecret: 'abcdefghijklmnop@evil:4222/x' })).toThrow(UserDataError);
    expect(() => agentEnvironment({ ...INPUT, natsAddress: 'nats.slipway.internal:4222/../x' })).toThrow(UserDataError);
    expect(() => renderEngineUserData({ ...INPUT, agentImage: 'image; rm -rf /' })).toThrow(UserDataError);
    expect(() => renderEngineUserData({ ...INPUT, registry: 'evil host' })).toThrow(UserDataError);
    const error = thrown(() => agentEnvironment({ ...INPUT, enrollmentSecret: 'secret-with space-0123456789' }));
    expect(error).toBeInstanceOf(UserDataError);
    expect(error.message).not.toContain('secret-with');
  });

  test('cloud-init\'s own schema accepts it', async () => {
    const result = await validateCloudConfig(userData);
    expect(result.output).toContain('Valid cloud-config');
    expect(result.valid).toBe(true);
  });

  test('systemd accepts its units', async () => {
    const units = systemdUnits(doc.write_files);
    expect(Object.keys(units).sort()).toEqual([AGENT_SERVICE, 'slipway-registry-auth.service', 'slipway-registry-auth.timer']);
    expect(await verifyUnits(units, [HOST_PATHS.instanceIdentityScript, '/usr/bin/docker-credential-ecr-login'])).toEqual([]);
  });
});

describe('the instance-identity script against a stand-in IMDSv2 on 127.0.0.1', () => {
  let dir: string;
  let imds: ReturnType<typeof createServer>;
  let url: string;
  let answers: Record<string, string>;
  const requests: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-imds-'));
    await writeFile(join(dir, 'instance-identity'), INSTANCE_IDENTITY_SCRIPT, { mode: 0o755 });
    // IMDSv2: a PUT for a session token, then GETs that must present it.
    imds = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      if (request.method === 'PUT' && request.url === '/latest/api/token' && request.headers['x-aws-ec2-metadata-token-ttl-seconds'] === '60') {
        response.end('imds-session-token');
        return;
      }
      const value = answers[request.url ?? ''];
      if (request.method === 'GET' && value !== undefined && request.headers['x-aws-ec2-metadata-token'] === 'imds-session-token') {
        response.end(value);
        return;
      }
      response.writeHead(401).end();
    });
    imds.listen(0, '127.0.0.1');
    await once(imds, 'listening');
    url = `http://127.0.0.1:${(imds.address() as AddressInfo).port}/latest`;
  });

  afterAll(async () => {
    imds?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const runScript = () =>
    run('/bin/sh', [join(dir, 'instance-identity')], {
      env: { PATH: '/usr/bin:/bin', SLIPWAY_IMDS_URL: url, SLIPWAY_INSTANCE_ENV: join(dir, 'instance.env') },
      timeout: 30_000,
    });

  test('writes the instance id and private address, having asked for a session token first', async () => {
    answers = { '/latest/meta-data/local-ipv4': '10.42.17.5', '/latest/meta-data/instance-id': 'i-0123456789abcdef0' };
    await runScript();
    expect(await readFile(join(dir, 'instance.env'), 'utf8')).toBe('SLIPWAY_INSTANCE_ID=i-0123456789abcdef0\nSLIPWAY_HOST_ADDRESS=10.42.17.5\n');
    expect(requests.slice(0, 3)).toEqual(['PUT /latest/api/token', 'GET /latest/meta-data/local-ipv4', 'GET /latest/meta-data/instance-id']);
  });

  test('refuses answers that are not an address and an instance id', async () => {
    await rm(join(dir, 'instance.env'), { force: true });
    answers = { '/latest/meta-data/local-ipv4': '10.42.17.5', '/latest/meta-data/instance-id': 'i-0123\nSLIPWAY_HOST_ID=evil' };
    await expect(runScript()).rejects.toThrow(/unexpected instance-id/);
    answers = { '/latest/meta-data/local-ipv4': '10.0.0.1 EVIL=1', '/latest/meta-data/instance-id': 'i-0123456789abcdef0' };
    await expect(runScript()).rejects.toThrow(/unexpected local-ipv4/);
    await expect(readFile(join(dir, 'instance.env'), 'utf8')).rejects.toThrow(/ENOENT/);
  });
});
