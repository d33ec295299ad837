// slipway-api: the control plane process.
import { createLogger } from '../common/logger.js';
import { describeError } from '../common/errors.js';
import { loadControlPlaneConfig } from './config.js';
import { startControlPlane } from './platform.js';

const config = loadControlPlaneConfig(process.env);
const logger = createLogger('control-plane', config.logLevel);

try {
  const controlPlane = await startControlPlane(config, logger);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const failed = await controlPlane.stop();
    process.exit(failed.length === 0 ? 0 : 1);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
} catch (err) {
  logger.fatal({ err }, `control plane failed to start: ${describeError(err)}`);
  process.exit(1);
}
