// slipway-agent: one per host. Reads its environment once, connects to NATS and the Docker
// Engine, runs the agent, and stops it gracefully on SIGTERM or SIGINT (a second signal
// within moments is the same request; a later one exits at once: stop-signal.ts). A host of an auto scaling group first enrolls for its own identity
// (enroll.ts), unless its host file already holds one.
import Docker from 'dockerode';
import { connect } from 'nats';
import { describeError } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { registryCredentialsFromFile } from '../common/registry-auth.js';
import { Agent } from './agent.js';
import { describeConfig, machineCapacity, natsConnectionOptions, parseAgentConfig, parseEnrollmentSettings, withHostIdentity, type EnrollmentSettings } from './config.js';
import { DockerContainerEngine } from './docker-engine.js';
import { ensureHostIdentity } from './enroll.js';
import { watchLifeline } from './lifeline.js';
import { repeatedStopSignal } from './stop-signal.js';

/** The environment with this host's identity: as given, or from enrollment. */
async function identifiedEnv(enrollment: EnrollmentSettings): Promise<NodeJS.ProcessEnv> {
  const log = createLogger('agent', enrollment.logLevel);
  const aborted = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'stopping slipway-agent before it enrolled');
    aborted.abort();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const identity = await ensureHostIdentity(enrollment, { connect, log, signal: aborted.signal });
  process.off('SIGTERM', stop);
  process.off('SIGINT', stop);
  return withHostIdentity(process.env, identity);
}

async function main(): Promise<void> {
  const enrollment = parseEnrollmentSettings(process.env);
  const env = enrollment ? await identifiedEnv(enrollment) : process.env;
  const config = parseAgentConfig(env, machineCapacity());
  const log = createLogger('agent', config.logLevel);
  log.info(describeConfig(config), 'starting slipway-agent');

  const nats = await connect(natsConnectionOptions(config));
  const docker = new Docker({ socketPath: config.dockerSocket });
  const registryAuth = { registry: config.registry, credentials: registryCredentialsFromFile(config.registryAuthFile, config.registry) };
  const agent = new Agent(config, { nats, engine: new DockerContainerEngine(docker, config.hostId, { registryAuth, warn: (message) => log.warn(message), addonSubnets: config.addonSubnets }), log });

  let stopping = false;
  let stoppingSince = 0;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      if (repeatedStopSignal(stoppingSince, Date.now()) === 'same-stop') {
        log.info({ signal }, 'already stopping');
        return;
      }
      log.warn({ signal }, 'second signal: exiting without cleaning up');
      process.exit(1);
    }
    stopping = true;
    stoppingSince = Date.now();
    log.info({ signal, stopInstances: config.stopInstancesOnExit }, 'stopping slipway-agent');
    void agent
      .stop()
      .then(() => nats.drain())
      .then(
        () => process.exit(0),
        (err) => {
          log.error({ err: describeError(err) }, 'unclean stop');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (config.exitWithLauncher) {
    watchLifeline(process.stdin, () => {
      if (stopping) return;
      stopping = true;
      log.warn('the launcher is gone: exiting, leaving the instances to be adopted');
      void nats.close().finally(() => process.exit(1));
    });
  }
  // NATS reconnects forever; if the connection closes anyway, exit so a supervisor restarts us.
  void nats.closed().then((err) => {
    if (stopping) return;
    log.fatal({ err: err ? describeError(err) : undefined }, 'NATS connection closed');
    process.exit(1);
  });

  try {
    await agent.start();
  } catch (err) {
    if (!stopping) throw err;
  }
}

main().catch((err) => {
  console.error(`slipway-agent: ${describeError(err)}`);
  process.exit(1);
});
