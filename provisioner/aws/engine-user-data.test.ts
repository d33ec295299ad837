// The engine host's user-data: Docker from Debian's packages on its unix socket only, and the
// agent as a container with this host's credentials, NATS address and IMDSv2-read address;
// checked for content, and by cloud-init's schema and systemd themselves.
import { describe, expect, test } from 'vitest';
import { thrown } from './test-helpers.js';
import { parseCloudConfig, UserDataError } from './cloud-init.js';
import { DOCKER_DAEMON_CONFIG, HOST_PATHS } from './docker-host.js';
import { AGENT_ENV_FILE, AGENT_SERVICE, agentEnvironment, agentRunOptions, renderEngineUserData, type EngineUserDataInput } from './engine-user-data.js';
import { validateCloudConfig, verifyUnits } from './host-validators.js';

const INPUT: EngineUserDataInput = {
  hostId: 'h-7f3a',
  token: 'slh_0123456789abcdef_secret-token-value',
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
    expect(doc.packages).toEqual(expect.arrayContaining(['docker.io', 'amazon-ecr-credential-helper', 'curl']));
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

  test('runs the agent as a container with the host\'s own credentials and the NATS address', () => {
    const env = file(AGENT_ENV_FILE);
    expect(env.permissions).toBe('0600');
    expect(env.owner).toBe('root:root');
    expect(env.content).toBe(
      [
        'SLIPWAY_HOST_ID=h-7f3a',
        `SLIPWAY_HOST_TOKEN=${INPUT.token}`,
        `SLIPWAY_NATS_URL=nats://h-7f3a:${INPUT.token}@nats.slipway.internal:4222`,
        'SLIPWAY_REGISTRY=123456789012.dkr.ecr.us-east-1.amazonaws.com',
        'SLIPWAY_REGISTRY_AUTH_FILE=/run/slipway/registry/auth.json',
        'SLIPWAY_DOCKER_SOCKET=/var/run/docker.sock',
        '',
      ].join('\n'),
    );
    expect(execStart).toMatch(/^ExecStart=\/usr\/bin\/docker run --rm --name slipway-agent /);
    expect(execStart.endsWith(` ${INPUT.agentImage}`)).toBe(true);
    expect(execStart).toContain(`--env-file ${AGENT_ENV_FILE} --env-file ${HOST_PATHS.hostAddressEnv}`);
    // the token travels in the 0600 env file, never on a command line (ps, journal)
    expect(unit).not.toContain(INPUT.token);
  });

  test('SLIPWAY_HOST_ADDRESS is the private IP read from IMDSv2 (token first) before each start', () => {
    expect(unit).toContain(`ExecStartPre=${HOST_PATHS.hostAddressScript}`);
    const script = file(HOST_PATHS.hostAddressScript);
    expect(script.permissions).toBe('0755');
    expect(script.content).toContain('-X PUT "$imds/api/token" -H \'X-aws-ec2-metadata-token-ttl-seconds: 60\'');
    expect(script.content).toContain('-H "X-aws-ec2-metadata-token: $token" "$imds/meta-data/local-ipv4"');
    expect(script.content).toContain(`SLIPWAY_HOST_ADDRESS=%s`);
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

  test('rejects inputs that could change the meaning of a line', () => {
    expect(() => agentEnvironment({ ...INPUT, hostId: 'h1.x' })).toThrow(UserDataError);
    expect(() => agentEnvironment({ ...INPUT, token: 'short' })).toThrow(UserDataError);
    expect(() => agentEnvironment({ ...INPUT, token: 'abcdefghijklmnop@evil:4222/x' })).toThrow(UserDataError);
    expect(() => renderEngineUserData({ ...INPUT, agentImage: 'image; rm -rf /' })).toThrow(UserDataError);
    expect(() => renderEngineUserData({ ...INPUT, registry: 'evil host' })).toThrow(UserDataError);
    // the token never appears in an error message
    const error = thrown(() => agentEnvironment({ ...INPUT, token: 'secret-with space' }));
    expect(error).toBeInstanceOf(UserDataError);
    expect(error.message).not.toContain('secret-with');
  });

  test('cloud-init\'s own schema accepts it', async () => {
    const result = await validateCloudConfig(userData);
    expect(result.output).toContain('Valid cloud-config');
    expect(result.valid).toBe(true);
  });

  test('systemd accepts its units', async () => {
    const units = Object.fromEntries(
      doc.write_files.filter((f) => /^\/etc\/systemd\/system\/[^/]+\.(service|timer)$/.test(f.path)).map((f) => [f.path.split('/').pop()!, f.content]),
    );
    expect(Object.keys(units).sort()).toEqual([AGENT_SERVICE, 'slipway-registry-auth.service', 'slipway-registry-auth.timer']);
    expect(await verifyUnits(units, [HOST_PATHS.hostAddressScript, '/usr/bin/docker-credential-ecr-login'])).toEqual([]);
  });
});
