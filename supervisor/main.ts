// `npm start`: the whole single-node platform in the foreground. Ctrl-C (or SIGTERM) stops
// everything it started, app containers included; the state under $SLIPWAY_HOME stays.
import { join } from 'node:path';
import { describeError } from '../common/errors.js';
import { adminTokenFile } from './admin-token.js';
import { loadSupervisorConfig } from './config.js';
import { HostSetupError } from './host-setup.js';
import { lineFormatter } from './log-format.js';
import { startPlatform } from './platform.js';

const config = loadSupervisorConfig(process.env);
const print = (line: string) => process.stdout.write(`${line}\n`);
const format = lineFormatter(process.stdout.isTTY === true);

let stopping = false;
let platform: Awaited<ReturnType<typeof startPlatform>> | undefined;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  print(`slipway: ${signal}: stopping everything`);
  await platform?.stop();
  print('slipway: stopped');
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
// `npm start` runs us under `sh -c`, which does not pass npm's SIGTERM on: when our parent
// goes away, stop as if signalled rather than run on orphaned.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop('parent process exited');
}, 500).unref();

try {
  print(`slipway: state in ${config.home}`);
  platform = await startPlatform(config, print, format);
  print('slipway: ready');
  // The token stays in files only root can read: terminals and log collectors keep stdout.
  const { token: _token, ...endpoints } = platform.endpoints;
  print(JSON.stringify(endpoints));
  print(`slipway: admin token in ${adminTokenFile(config.home)} and ${join(config.home, 'endpoints.json')} (mode 0600)`);
} catch (err) {
  if (err instanceof HostSetupError) print(`slipway: ${err.message}`);
  else print(`slipway: failed to start: ${describeError(err)}`);
  process.exit(1);
}
