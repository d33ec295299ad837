// slipway-router: reads its environment once, runs HAProxy as its child, stops on SIGTERM/SIGINT.
import { createLogger } from '../common/logger.js';
import { describeError } from '../common/errors.js';
import { loadRouterConfig } from './config.js';
import { startRouter } from './router.js';

const logger = createLogger('router', process.env.SLIPWAY_LOG_LEVEL ?? 'info');

try {
  // Without HAProxy there is no router: exit, so that the supervisor starts a fresh one.
  const router = await startRouter(loadRouterConfig(process.env), logger, { onDataPlaneExit: () => process.exit(1) });
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    router.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: describeError(err) }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
} catch (err) {
  // One clear line (e.g. haproxy missing, invalid env) and a non-zero exit.
  console.error(`slipway-router: ${describeError(err)}`);
  process.exit(1);
}
