// What a push asks to change, as git's pre-receive hook reads it on stdin (`<old> <new> <ref>`
// per line), and which of it deploys: pure, so the rules are tested apart from git.

export interface RefUpdate {
  oldRev: string;
  newRev: string;
  ref: string;
}

const ZERO = /^0+$/;
/** An object name, SHA-1 or SHA-256: never an option, whatever a line says. */
const OBJECT_NAME = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const DEPLOY_BRANCHES = new Set(['refs/heads/main', 'refs/heads/master']);

/** The updates in the hook's input; a line that is not one is an error (git never writes one). */
export function parseRefUpdates(text: string): RefUpdate[] | { error: string } {
  const updates: RefUpdate[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [oldRev = '', newRev = '', ref = '', ...rest] = line.trim().split(/\s+/);
    if (!OBJECT_NAME.test(oldRev) || !OBJECT_NAME.test(newRev) || !ref.startsWith('refs/') || rest.length > 0) {
      return { error: 'The push hook sent an update git would not write.' };
    }
    updates.push({ oldRev, newRev, ref });
  }
  return updates;
}

/** Which update to deploy, or why the push is refused. */
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
