// Runs inside `git receive-pack` as the pre-receive hook (so the pushed objects are still in
// quarantine and only land if this exits 0). Streams `git archive` of the pushed commit to
// the control plane and prints its build output, which git shows the pusher as `remote: ...`.
// A process entry point of its own: reads its environment once (push-hook-env.ts).
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { describeError } from '../../common/errors.js';
import { parsePushHookEnv, type PushHookSettings } from './push-hook-env.js';

const ZERO = /^0+$/;
const DEPLOY_BRANCHES = new Set(['refs/heads/main', 'refs/heads/master']);

interface RefUpdate {
  oldRev: string;
  newRev: string;
  ref: string;
}

/** Pure: which update to deploy, or why the push is refused. */
export function chooseUpdate(updates: readonly RefUpdate[]): { deploy: RefUpdate } | { refuse: string } {
  const deploys = updates.filter((u) => DEPLOY_BRANCHES.has(u.ref));
  const others = updates.filter((u) => !DEPLOY_BRANCHES.has(u.ref));
  if (others.length > 0) {
    return { refuse: `Pushed to ${others.map((u) => u.ref).join(', ')}: only main (or master) deploys. Push with: git push <remote> <branch>:main` };
  }
  const [deploy, ...more] = deploys;
  if (!deploy) return { refuse: 'Nothing to deploy.' };
  if (more.length > 0) return { refuse: 'Push either main or master, not both.' };
  if (ZERO.test(deploy.newRev)) return { refuse: `Deleting ${deploy.ref} is not allowed.` };
  return { deploy };
}

async function readUpdates(): Promise<RefUpdate[]> {
  const updates: RefUpdate[] = [];
  for await (const line of createInterface({ input: process.stdin })) {
    const [oldRev, newRev, ref] = line.trim().split(/\s+/);
    if (oldRev && newRev && ref) updates.push({ oldRev, newRev, ref });
  }
  return updates;
}

function deploy(update: RefUpdate, settings: PushHookSettings): Promise<boolean> {
  const url = new URL('/internal/builds', settings.pushUrl);
  return new Promise((resolve) => {
    const archive = spawn('git', ['archive', '--format=tar', update.newRev], { stdio: ['ignore', 'pipe', 'inherit'] });
    const req = request(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${settings.pushToken}`,
        'content-type': 'application/x-tar',
        'x-slipway-source-version': update.newRev,
      },
    });
    let ok = false;
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        console.log(` !     Build request refused (HTTP ${res.statusCode}).`);
        res.resume();
        res.on('end', () => resolve(false));
        return;
      }
      // While git is behind with our output, stop reading the build's (the control plane then
      // holds the build back): nothing piles up in this process.
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      lines
        .on('line', (line) => {
          if (!line) return;
          const event = JSON.parse(line) as { log?: string; result?: { ok: boolean } };
          if (event.log !== undefined && !process.stdout.write(`${event.log}\n`)) {
            lines.pause();
            process.stdout.once('drain', () => lines.resume());
          }
          if (event.result) ok = event.result.ok;
        })
        .on('close', () => resolve(ok));
    });
    req.on('error', (err) => {
      console.log(` !     Lost contact with the platform: ${err.message}`);
      resolve(false);
    });
    archive.stdout.pipe(req);
  });
}

async function main(settings: PushHookSettings): Promise<void> {
  const choice = chooseUpdate(await readUpdates());
  if ('refuse' in choice) {
    console.log(` !     ${choice.refuse}`);
    process.exit(1);
  }
  const code = (await deploy(choice.deploy, settings)) ? 0 : 1;
  // Exit once git has all of the output (an exit with writes pending would cut the log short).
  process.stdout.write('', () => process.exit(code));
}

let settings: PushHookSettings | null = null;
try {
  settings = parsePushHookEnv(process.env);
} catch (err) {
  // Refuse the push: git shows this line to the pusher as `remote: ...`.
  console.log(` !     ${describeError(err)}`);
  process.exit(1);
}
if (settings) void main(settings);
