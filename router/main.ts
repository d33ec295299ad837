// slipway-router: reads its environment once, runs HAProxy as its child, stops on SIGTERM/SIGINT.
import { createLogger } from '../common/logger.js';
import { describeError } from '../common/errors.js';
import { loadRouterConfig, type RouterConfig } from './config.js';
import { startRouter } from './router.js';

let config: RouterConfig;
try {
  config = loadRouterConfig(process.env);
} catch (err) {
  console.error(`slipway-router: ${describeError(err)}`);
  process.exit(1);
}
const logger = createLogger('router', config.logLevel);

try {
  // Without HAProxy there is no router: exit, so that the supervisor starts a fresh one.
  const router = await startRouter(config, logger, { onDataPlaneExit: () => process.exit(1) });
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
  // One clear line (e.g. haproxy missing) and a non-zero exit.
  console.error(`slipway-router: ${describeError(err)}`);
  process.exit(1);
}
