// Runs inside `git receive-pack` as the pre-receive hook (so the pushed objects are still in
// quarantine and only land if this exits 0). Streams `git archive` of the pushed commit to
// the control plane and prints its build output, which git shows the pusher as `remote: ...`.
// Reads its environment directly: it is a process entry point of its own.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createInterface } from 'node:readline';

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

function deploy(update: RefUpdate): Promise<boolean> {
  const url = new URL('/internal/builds', process.env.SLIPWAY_PUSH_URL);
  return new Promise((resolve) => {
    const archive = spawn('git', ['archive', '--format=tar', update.newRev], { stdio: ['ignore', 'pipe', 'inherit'] });
    const req = request(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${process.env.SLIPWAY_PUSH_TOKEN}`,
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
      createInterface({ input: res })
        .on('line', (line) => {
          if (!line) return;
          const event = JSON.parse(line) as { log?: string; result?: { ok: boolean } };
          if (event.log !== undefined) console.log(event.log);
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

async function main(): Promise<void> {
  const choice = chooseUpdate(await readUpdates());
  if ('refuse' in choice) {
    console.log(` !     ${choice.refuse}`);
    process.exit(1);
  }
  process.exit((await deploy(choice.deploy)) ? 0 : 1);
}

if (process.env.SLIPWAY_PUSH_URL) void main();
