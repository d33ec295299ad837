import { describe, expect, it } from 'vitest';
import { ConfigError } from '../common/errors.js';
import { DEFAULT_HOST_FILE, describeConfig, machineCapacity, natsConnectionOptions, parseAgentConfig, parseEnrollmentSettings, withHostIdentity } from './config.js';

const machine = { memoryMb: 8192, cpus: 4 };
const required = {
  SLIPWAY_HOST_ID: 'host-1',
  SLIPWAY_HOST_TOKEN: 'secret-token',
  SLIPWAY_NATS_URL: 'nats://127.0.0.1:4222',
  SLIPWAY_REGISTRY: '127.0.0.1:5000',
};

describe('parseAgentConfig', () => {
  it('applies the named defaults, with this machine as capacity', () => {
    expect(parseAgentConfig(required, machine)).toEqual({
      hostId: 'host-1',
      token: 'secret-token',
      natsUrl: 'nats://127.0.0.1:4222',
      registry: '127.0.0.1:5000',
      registryAuthFile: null,
      address: '127.0.0.1',
      dockerSocket: '/var/run/docker.sock',
      capacity: { memoryMb: 8192, cpus: 4 },
      machineCpus: 4,
      heartbeatMs: 2000,
      metricsMs: 30_000,
      stopInstancesOnExit: false,
      exitWithLauncher: false,
      logLevel: 'info',
      addonSubnets: '10.213.0.0/16',
    });
  });

  it('reads every variable', () => {
    const config = parseAgentConfig(
      {
        ...required,
        SLIPWAY_HOST_ADDRESS: '10.0.1.7',
        SLIPWAY_DOCKER_SOCKET: '/run/docker.sock',
        SLIPWAY_HOST_MEMORY_MB: '2048',
        SLIPWAY_HOST_CPUS: '1.5',
        SLIPWAY_HEARTBEAT_MS: '500',
        SLIPWAY_METRICS_INTERVAL_MS: '5000',
        SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT: 'true',
        SLIPWAY_LOG_LEVEL: 'debug',
        SLIPWAY_REGISTRY_AUTH_FILE: '/run/slipway/registry/auth.json',
        SLIPWAY_ADDON_SUBNETS: '172.30.0.0/20',
      },
      machine,
    );
    expect(config).toMatchObject({
      addonSubnets: '172.30.0.0/20',
      registryAuthFile: '/run/slipway/registry/auth.json',
      address: '10.0.1.7',
      dockerSocket: '/run/docker.sock',
      capacity: { memoryMb: 2048, cpus: 1.5 },
      // the capacity offered is the operator's; what Docker can give one container is the machine's
      machineCpus: 4,
      heartbeatMs: 500,
      metricsMs: 5000,
      stopInstancesOnExit: true,
      logLevel: 'debug',
    });
  });

  it('names every missing or bad variable at once', () => {
    expect(() => parseAgentConfig({ SLIPWAY_HOST_ID: 'a.b', SLIPWAY_HOST_ADDRESS: 'localhost' }, machine)).toThrow(ConfigError);
    try {
      parseAgentConfig({ SLIPWAY_HOST_ID: 'a.b', SLIPWAY_HOST_ADDRESS: 'localhost' }, machine);
    } catch (err) {
      const message = (err as Error).message;
      for (const name of ['SLIPWAY_HOST_ID', 'SLIPWAY_HOST_TOKEN', 'SLIPWAY_NATS_URL', 'SLIPWAY_REGISTRY', 'SLIPWAY_HOST_ADDRESS']) {
        expect(message).toContain(name);
      }
    }
  });

  it('wants the add-on networks’ range as an IPv4 CIDR wide enough for one /25', () => {
    expect(() => parseAgentConfig({ ...required, SLIPWAY_ADDON_SUBNETS: '10.213.0.0' }, machine)).toThrow(/SLIPWAY_ADDON_SUBNETS: not an IPv4 CIDR range/);
    expect(() => parseAgentConfig({ ...required, SLIPWAY_ADDON_SUBNETS: '10.213.0.0/28' }, machine)).toThrow(/SLIPWAY_ADDON_SUBNETS: narrower than one \/25/);
  });

  it('takes a registry without a port (ECR) and wants the credentials file as an absolute path', () => {
    const ecr = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
    expect(parseAgentConfig({ ...required, SLIPWAY_REGISTRY: ecr }, machine).registry).toBe(ecr);
    expect(() => parseAgentConfig({ ...required, SLIPWAY_REGISTRY_AUTH_FILE: 'auth.json' }, machine)).toThrow(/SLIPWAY_REGISTRY_AUTH_FILE: an absolute path/);
  });

  it('rejects a host id that would break NATS subjects', () => {
    for (const hostId of ['a.b', 'a*', 'a>', 'a b', '']) {
      expect(() => parseAgentConfig({ ...required, SLIPWAY_HOST_ID: hostId }, machine)).toThrow(ConfigError);
    }
  });

  it('describes itself without the token or the NATS URL', () => {
    const config = parseAgentConfig({ ...required, SLIPWAY_NATS_URL: 'nats://user:pw@127.0.0.1:4222' }, machine);
    const described = JSON.stringify(describeConfig(config));
    expect(described).not.toContain('secret-token');
    expect(described).not.toContain('pw@');
    expect(described).toContain('host-1');
  });
});

describe('machineCapacity', () => {
  it('measures this machine', () => {
    const capacity = machineCapacity();
    expect(capacity.memoryMb).toBeGreaterThan(0);
    expect(capacity.cpus).toBeGreaterThanOrEqual(1);
  });
});

describe('natsConnectionOptions', () => {
  it('reconnects forever and takes replies on the host own inbox prefix', () => {
    expect(natsConnectionOptions(parseAgentConfig(required, machine))).toEqual({
      servers: 'nats://127.0.0.1:4222',
      name: 'slipway-agent-host-1',
      inboxPrefix: '_INBOX_host-1',
      maxReconnectAttempts: -1,
      ignoreAuthErrorAbort: true,
      waitOnFirstConnect: true,
    });
  });

  it('moves credentials out of the URL, where nats.js would ignore them', () => {
    const config = parseAgentConfig({ ...required, SLIPWAY_NATS_URL: 'nats://host-1:t%2Fk@10.0.0.2:4222' }, machine);
    expect(natsConnectionOptions(config)).toMatchObject({ servers: 'nats://10.0.0.2:4222', user: 'host-1', pass: 't/k' });
  });
});

describe('enrollment settings (engine hosts of an auto scaling group)', () => {
  const enrolling = {
    SLIPWAY_ENROLLMENT_SECRET: 'enrollment-secret-0123456789abcdef',
    SLIPWAY_INSTANCE_ID: 'i-0123456789abcdef0',
    SLIPWAY_HOST_ADDRESS: '10.42.17.5',
    SLIPWAY_NATS_URL: 'nats://nats.slipway.internal:4222',
    SLIPWAY_REGISTRY: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
  };

  it('are absent without an enrollment secret', () => {
    expect(parseEnrollmentSettings(required)).toBeNull();
  });

  it('read the secret, the instance and where the identity is kept', () => {
    expect(parseEnrollmentSettings(enrolling)).toEqual({
      secret: 'enrollment-secret-0123456789abcdef',
      instanceId: 'i-0123456789abcdef0',
      address: '10.42.17.5',
      hostFile: DEFAULT_HOST_FILE,
      natsUrl: 'nats://nats.slipway.internal:4222',
      logLevel: 'info',
    });
    expect(DEFAULT_HOST_FILE).toBe('/var/lib/slipway/agent/host.json');
  });

  it('refuse a bad instance id or address, and a host id given as well', () => {
    expect(() => parseEnrollmentSettings({ ...enrolling, SLIPWAY_INSTANCE_ID: 'host-1' })).toThrow(/SLIPWAY_INSTANCE_ID/);
    expect(() => parseEnrollmentSettings({ ...enrolling, SLIPWAY_HOST_ADDRESS: undefined })).toThrow(/SLIPWAY_HOST_ADDRESS/);
    expect(() => parseEnrollmentSettings({ ...enrolling, SLIPWAY_HOST_FILE: 'relative/host.json' })).toThrow(/SLIPWAY_HOST_FILE/);
    expect(() => parseEnrollmentSettings({ ...enrolling, SLIPWAY_HOST_ID: 'host-1' })).toThrow(ConfigError);
  });

  it('once enrolled, the agent runs as that host: its id, its token, NATS as itself, no enrollment secret', () => {
    const env = withHostIdentity(enrolling, { hostId: 'aws-0a1b2c3d', token: 'slwh_host-token' });
    expect(env.SLIPWAY_ENROLLMENT_SECRET).toBeUndefined();
    const config = parseAgentConfig(env, machine);
    expect(config).toMatchObject({ hostId: 'aws-0a1b2c3d', token: 'slwh_host-token', address: '10.42.17.5' });
    expect(natsConnectionOptions(config)).toMatchObject({
      servers: 'nats://nats.slipway.internal:4222',
      user: 'aws-0a1b2c3d',
      pass: 'slwh_host-token',
      inboxPrefix: '_INBOX_aws-0a1b2c3d',
    });
  });
});
