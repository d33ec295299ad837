// A real agent joined to a test control plane: the host recorded as the platform records a new
// one, the agent in this process driving the real Docker Engine, started and seen up.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { connect, type NatsConnection } from 'nats';
import { Agent } from '../../agent/agent.js';
import { natsConnectionOptions, parseAgentConfig } from '../../agent/config.js';
import { DockerContainerEngine } from '../../agent/docker-engine.js';
import { removeHostLeftovers } from '../../agent/testing/agent-fixtures.js';
import { silentLogger } from '../../common/logger.js';
import { newHostCredentials, recordNewHost } from '../../control-plane/hosts/new-host.js';
import type { ControlPlaneOverrides } from '../../control-plane/platform.js';
import { startTestControlPlane, type TestControlPlane } from './control-plane.js';
import { waitFor } from './wait.js';

export interface TestAgent {
  hostId: string;
  agent: Agent;
  connection: NatsConnection;
  /** Stops the agent, closes its connection and removes the containers it labeled. */
  stop(): Promise<void>;
  /** Stops this agent process's work (its containers stay, as after a crash or an upgrade) and
   *  starts a new agent with the same credentials against the same engine; `env`: its settings. */
  restart(env?: Record<string, string>): Promise<void>;
}

/** `env`: more agent settings (SLIPWAY_AGENT_STOP_INSTANCES_ON_EXIT, SLIPWAY_METRICS_INTERVAL_MS, ...). */
export async function startTestAgent(docker: Docker, cp: TestControlPlane, registryUrl: string, env: Record<string, string> = {}): Promise<TestAgent> {
  const credentials = newHostCredentials('local');
  const { hostId } = credentials;
  await recordNewHost(cp.controlPlane.services.hosts, credentials, { provider: 'local', natsUsers: false });
  const agentConfig = (more: Record<string, string>) =>
    parseAgentConfig(
      { SLIPWAY_HOST_ID: hostId, SLIPWAY_HOST_TOKEN: credentials.token, SLIPWAY_NATS_URL: cp.nats.url, SLIPWAY_REGISTRY: registryUrl, SLIPWAY_HOST_MEMORY_MB: '2048', SLIPWAY_HEARTBEAT_MS: '500', ...more },
      { memoryMb: 2048, cpus: 2 },
    );
  const begin = async (config: ReturnType<typeof agentConfig>) => {
    const connection = await connect(natsConnectionOptions(config));
    const agent = new Agent(config, { nats: connection, engine: new DockerContainerEngine(docker, hostId), log: silentLogger(), timing: { probeIntervalMs: 100 } });
    await agent.start();
    return { agent, connection };
  };
  let running = await begin(agentConfig(env));
  await waitFor('host up', async () => (await cp.controlPlane.services.hosts.get(hostId))?.state === 'up');
  const handle: TestAgent = {
    hostId,
    agent: running.agent,
    connection: running.connection,
    async stop() {
      await running.agent.stop();
      await running.connection.close();
      await removeHostLeftovers(docker, [hostId]);
    },
    async restart(more = env) {
      await running.agent.stop();
      await running.connection.close();
      running = await begin(agentConfig(more));
      handle.agent = running.agent;
      handle.connection = running.connection;
    },
  };
  return handle;
}

export interface TestPlatformWithPlans {
  cp: TestControlPlane;
  host: TestAgent;
  /** Stops the agent (removing its host's containers, volumes and networks), then the control
   *  plane, and removes the plans file. */
  stop(): Promise<void>;
}

/** A control plane on the operator's plans file `plansYaml` (in a temporary folder), pushing to
 *  `registryUrl`, with one real agent joined: the add-on tests that need their own plans start so.
 *  `env`: more control plane settings; `overrides`: its builder, .... */
export async function startTestPlatformWithPlans(
  docker: Docker,
  registryUrl: string,
  plansYaml: string,
  { env = {}, overrides = {} }: { env?: Record<string, string>; overrides?: ControlPlaneOverrides } = {},
): Promise<TestPlatformWithPlans> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-test-plans-'));
  let cp: TestControlPlane | undefined;
  try {
    const plansFile = join(dir, 'plans.yaml');
    await writeFile(plansFile, plansYaml);
    cp = await startTestControlPlane({ SLIPWAY_REGISTRY: registryUrl, SLIPWAY_STOP_GRACE_SECONDS: '1', SLIPWAY_DRAIN_MS: '0', SLIPWAY_PLANS_FILE: plansFile, ...env }, overrides);
    const host = await startTestAgent(docker, cp, registryUrl);
    const started = cp;
    return {
      cp: started,
      host,
      async stop() {
        try {
          await host.stop();
          await started.stop();
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    await cp?.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
