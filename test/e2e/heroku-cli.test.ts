// The stock Heroku CLI (npm `heroku`, pinned in devDependencies) against a running platform,
// as a Heroku user types it: HEROKU_HOST at the API, HEROKU_API_KEY a Slipway token. Each step
// checks what the CLI printed, not only its exit code. The CLI runs with its own HOME and with
// its telemetry, update checks and Particleboard (Heroku's billing API) kept on loopback.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promisify } from 'node:util';
import { appendFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSI, HEROKU_BIN, herokuEnv } from './heroku-cli-env.js';
import { api, commitAll, editFile, fixtureRepo, git, gitUrl, newHome, platformEnv, removePlatformImages, startPlatform, viaRouter, waitFor, type RunningPlatform } from './harness.js';

const exec = promisify(execFile);
const TRANSCRIPT = process.env.SLIPWAY_HEROKU_TRANSCRIPT;

interface Run {
  code: number | null;
  /** stdout and stderr together (the CLI's "… done" goes to stderr), without colours. */
  out: string;
  stdout: string;
}

describe('the stock Heroku CLI against Slipway', () => {
  let platform: RunningPlatform;
  let env: Record<string, string>;
  let cliHome: string;
  let repo: string;
  const cleanup: string[] = [];

  /** Runs the CLI. `stdin`: all of it at once, or answers each typed once its prompt shows
   *  (an interactive prompt reads only what arrives after it). `without`: variables unset. */
  const heroku = (args: string[], timeoutMs = 90_000, stdin: string | { prompt: string; answer: string }[] | null = null, without: string[] = []): Promise<Run> =>
    new Promise((resolve, reject) => {
      const childEnv = Object.fromEntries(Object.entries(herokuEnv(platform, cliHome)).filter(([name]) => !without.includes(name)));
      const child = spawn(process.execPath, [HEROKU_BIN, ...args], { cwd: repo, env: childEnv, stdio: [stdin === null ? 'ignore' : 'pipe', 'pipe', 'pipe'] }) as ChildProcessWithoutNullStreams;
      const answers = Array.isArray(stdin) ? [...stdin] : [];
      if (typeof stdin === 'string') child.stdin.end(stdin);
      let out = '';
      let stdout = '';
      // Each answer waits for its prompt to show after the previous answer's.
      let answeredUpTo = 0;
      const answerPrompts = () => {
        const shown = out.replace(ANSI, '');
        let at: number;
        while (answers[0] && (at = shown.indexOf(answers[0].prompt, answeredUpTo)) >= 0) {
          answeredUpTo = at + answers[0].prompt.length;
          child.stdin.write(`${answers.shift()!.answer}\n`);
        }
      };
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        stdout += d.toString();
        answerPrompts();
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString();
        answerPrompts();
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(timer);
        const run = { code, out: out.replace(ANSI, ''), stdout: stdout.replace(ANSI, '') };
        // What each command printed, for people reading along (SLIPWAY_HEROKU_TRANSCRIPT=<file>).
        if (TRANSCRIPT) appendFileSync(TRANSCRIPT, `$ heroku ${args.join(' ')}   (exit ${code})\n${run.out.replace(platform.endpoints.token, 'slw_…')}\n`);
        resolve(run);
      });
    });

  /** Runs a command that must succeed; answers what it printed. */
  const ok = async (...args: string[]): Promise<Run> => {
    const run = await heroku(args);
    expect(run.code, `heroku ${args.join(' ')}:\n${run.out}`).toBe(0);
    return run;
  };

  beforeAll(async () => {
    const home = await newHome();
    cliHome = await mkdtemp(join(tmpdir(), 'slipway-heroku-cli-home-'));
    repo = await fixtureRepo('node-hello');
    cleanup.push(home, cliHome, repo);
    env = await platformEnv(home, { SLIPWAY_BOOT_TIMEOUT_SECONDS: '30', SLIPWAY_RECONCILE_INTERVAL_MS: '1000', SLIPWAY_STOP_GRACE_SECONDS: '3' });
    platform = await startPlatform(env);
  });

  afterAll(async () => {
    await platform?.stop().catch(() => {});
    await removePlatformImages(env);
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('knows who is signed in, by the API key', async () => {
    const account = (await api(platform.endpoints)('GET', '/account')).body as { email: string };
    expect((await ok('auth:whoami')).stdout.trim()).toBe(account.email);
    const token = await ok('auth:token');
    expect(token.stdout.trim()).toBe(platform.endpoints.token);
    expect(token.out).not.toMatch(/Error/);
    expect((await ok('apps')).stdout).toContain('You have no apps.');
  });

  it('logs in interactively (login -i: the email, and an API token as the password), and out again', async () => {
    const call = api(platform.endpoints);
    const before = ((await call('GET', '/account/tokens')).body as { id: string }[]).map((t) => t.id);
    const noKey = ['HEROKU_API_KEY'];
    const login = await heroku(['login', '-i'], 60_000, [{ prompt: 'Email', answer: 'admin@slipway.local' }, { prompt: 'Password', answer: platform.endpoints.token }], noKey);
    expect(login.code, login.out).toBe(0);
    expect(login.out).toContain('Logged in as admin@slipway.local');
    // A new token, kept in the CLI's .netrc, does the work from now on.
    const made = ((await call('GET', '/account/tokens')).body as { id: string }[]).filter((t) => !before.includes(t.id));
    expect(made).toHaveLength(1);
    expect((await readFile(join(cliHome, '.netrc'), 'utf8'))).toContain('login admin@slipway.local');
    expect((await heroku(['auth:whoami'], 60_000, null, noKey)).stdout.trim()).toBe('admin@slipway.local');
    // A wrong password, or another account's email, is refused.
    const wrong = await heroku(['login', '-i'], 60_000, [{ prompt: 'Email', answer: 'admin@slipway.local' }, { prompt: 'Password', answer: 'slw_not_a_token' }], noKey);
    expect(wrong.code).not.toBe(0);
    expect(wrong.out).toContain('Invalid credentials provided.');
    const logout = await heroku(['logout'], 60_000, null, noKey);
    expect(logout.code, logout.out).toBe(0);
    expect(logout.out).toContain('Logging out... done');
    expect(((await call('GET', '/account/tokens')).body as { id: string }[]).map((t) => t.id)).toEqual(before);
  });

  it('creates an app and lists it', async () => {
    const created = await ok('apps:create', 'cli-app');
    expect(created.out).toContain('Creating cli-app... done');
    expect(created.stdout).toContain(`http://cli-app.localhost:${new URL(platform.endpoints.router).port}/`);
    const apps = await ok('apps');
    expect(apps.stdout).toContain('=== admin@slipway.local Apps');
    expect(apps.stdout).toContain('cli-app (local)');
    const info = await ok('apps:info', '-a', 'cli-app');
    expect(info.stdout).toContain('=== cli-app');
    expect(info.stdout).toMatch(/Git URL:\s+http:\/\/127\.0\.0\.1:\d+\/cli-app\.git/);
    expect(info.stdout).toMatch(/Owner:\s+admin@slipway\.local/);
    expect(info.stdout).toMatch(/Region:\s+local/);
    expect(info.stdout).toMatch(/Stack:\s+bookworm/);
  });

  it('sets, gets and unsets config vars, each change a release', async () => {
    const set = await ok('config:set', 'GREETING=hello', 'LEVEL=3', '-a', 'cli-app');
    expect(set.out).toContain('Setting GREETING, LEVEL and restarting cli-app... done, v1');
    expect(set.stdout).toMatch(/GREETING:\s+hello/);
    expect((await ok('config:get', 'GREETING', '-a', 'cli-app')).stdout.trim()).toBe('hello');
    const unset = await ok('config:unset', 'LEVEL', '-a', 'cli-app');
    expect(unset.out).toContain('Unsetting LEVEL and restarting cli-app... done, v2');
    const config = await ok('config', '-a', 'cli-app');
    expect(config.stdout).toContain('=== cli-app Config Vars');
    expect(config.stdout).toMatch(/GREETING:\s+hello/);
    expect(config.stdout).not.toContain('LEVEL');
    expect((await ok('config', '-a', 'cli-app', '--shell')).stdout.trim()).toBe('GREETING=hello');
  });

  it('deploys with git push, then shows the dyno', async () => {
    const pushed = await git(repo, ['push', gitUrl(platform.endpoints, 'cli-app'), 'HEAD:main']);
    expect(pushed.code, pushed.out).toBe(0);
    expect(pushed.out).toContain('Released v3');
    await waitFor('the app served', async () => (await viaRouter(platform.endpoints, 'cli-app')).body === 'hello from v1\n', 60_000);
    const ps = await ok('ps', '-a', 'cli-app');
    expect(ps.stdout).toContain('=== web (basic): node server.js (1)');
    expect(ps.stdout).toMatch(/^web\.1: up /m);
  });

  it('runs one-off dynos: attached through the rendezvous with the exit code (-x), and detached', async () => {
    const attached = await heroku(['run', '-x', 'echo hello $((6*7)) from $DYNO && (exit 3)', '-a', 'cli-app'], 90_000, '');
    expect(attached.out).toMatch(/hello 42 from run\.\d+/);
    expect(attached.code, attached.out).toBe(3);
    const detached = await ok('run:detached', 'echo detached from $DYNO', '-a', 'cli-app');
    const dyno = /(run\.\d+)/.exec(detached.out)?.[1];
    expect(dyno, detached.out).toBeDefined();
    await waitFor('its output in the log', async () => (await ok('logs', '-n', '200', '-a', 'cli-app')).stdout.includes(`detached from ${dyno}`), 60_000);
  });

  it('scales as Heroku users type it: web=2, web+1, web=1:standard', async () => {
    expect((await ok('ps:scale', 'web=2', '-a', 'cli-app')).out).toContain('Scaling dynos... done, now running web at 2:basic');
    expect((await ok('ps:scale', 'web+1', '-a', 'cli-app')).out).toContain('now running web at 3:basic');
    await waitFor('three web dynos up', async () => ((await ok('ps', '-a', 'cli-app')).stdout.match(/^web\.\d: up/gm) ?? []).length === 3, 90_000);
    expect((await ok('ps:scale', 'web=1:standard', '-a', 'cli-app')).out).toContain('now running web at 1:standard');
    expect((await ok('ps:scale', '-a', 'cli-app')).stdout.trim()).toBe('web=1:standard');
    // a new size replaces the dynos (as on Heroku); the surplus ones stop
    await waitFor(
      'one standard web dyno',
      async () => {
        const { stdout } = await ok('ps', '-a', 'cli-app');
        return stdout.includes('=== web (standard): node server.js (1)') && /^web\.1: up /m.test(stdout) ? stdout : null;
      },
      90_000,
    );
    const refused = await heroku(['ps:scale', 'web=1000', '-a', 'cli-app']);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('more than 100');
  });

  it('restarts dynos, all of them, by type and by name', async () => {
    expect((await ok('ps:restart', '-a', 'cli-app')).out).toContain('Restarting all dynos on cli-app... done');
    expect((await ok('ps:restart', '--process-type', 'web', '-a', 'cli-app')).out).toContain('Restarting all web dynos on cli-app... done');
    expect((await ok('ps:restart', '--dyno-name', 'web.1', '-a', 'cli-app')).out).toContain('Restarting dyno web.1 on cli-app... done');
    await waitFor('web.1 up again', async () => /^web\.1: up /m.test((await ok('ps', '-a', 'cli-app')).stdout), 90_000);
  });

  it('sets dyno types, stops a dyno, shares access, sets buildpacks and adds a certificate', async () => {
    const types = await ok('ps:type', '-a', 'cli-app');
    expect(types.stdout).toMatch(/web\s+standard\s+1/);
    expect((await ok('ps:type', 'web=basic', '-a', 'cli-app')).stdout).toMatch(/web\s+basic\s+1/);
    await waitFor('web.1 up again', async () => /^web\.1: up /m.test((await ok('ps', '-a', 'cli-app')).stdout), 90_000);
    expect((await ok('ps:stop', '--dyno-name', 'web.1', '-a', 'cli-app')).out).toContain('Stopping dyno web.1 on cli-app... done');
    // The formation brings it back.
    await waitFor('web.1 back', async () => /^web\.1: up /m.test((await ok('ps', '-a', 'cli-app')).stdout), 90_000);

    expect((await api(platform.endpoints)('POST', '/users', { email: 'dave@example.com' })).status).toBe(201);
    expect((await ok('access:add', 'dave@example.com', '-a', 'cli-app')).out).toContain('Adding dave@example.com access to the app cli-app... done');
    expect((await ok('access', '-a', 'cli-app')).stdout).toMatch(/dave@example\.com\s+collaborator/);
    expect((await ok('access:remove', 'dave@example.com', '-a', 'cli-app')).out).toContain('Removing dave@example.com access from the app cli-app... done');
    expect((await ok('access', '-a', 'cli-app')).stdout).not.toContain('dave@example.com');

    expect((await ok('buildpacks', '-a', 'cli-app')).stdout).toContain('cli-app has no Buildpacks.');
    expect((await ok('buildpacks:set', 'heroku/nodejs', '-a', 'cli-app')).stdout).toContain('Buildpack set. Next release on cli-app will use heroku/nodejs.');
    const unknown = await heroku(['buildpacks:set', 'acme/cobol', '-a', 'cli-app']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.out).toContain('acme/cobol is not a known buildpack');
    expect((await ok('buildpacks:set', 'https://example.com/one.tgz', '-a', 'cli-app')).stdout).toContain('Buildpack set.');
    expect((await ok('buildpacks:add', '--index', '1', 'https://example.com/two.tgz', '-a', 'cli-app')).stdout).toContain('Buildpack added.');
    expect((await ok('buildpacks', '-a', 'cli-app')).stdout).toMatch(/1\. https:\/\/example\.com\/two\.tgz\s+2\. https:\/\/example\.com\/one\.tgz/);
    expect((await ok('buildpacks:remove', 'https://example.com/two.tgz', '-a', 'cli-app')).stdout).toContain('Buildpack removed.');
    expect((await ok('buildpacks:clear', '-a', 'cli-app')).stdout).toContain('Buildpacks cleared.');

    const dir = await mkdtemp(join(tmpdir(), 'slipway-heroku-certs-'));
    cleanup.push(dir);
    await exec('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '30', '-subj', '/CN=shop.example.com', '-addext', 'subjectAltName=DNS:shop.example.com']);
    expect((await ok('certs', '-a', 'cli-app')).out).toContain('cli-app has no SSL certificates.');
    expect((await ok('domains:add', 'shop.example.com', '-a', 'cli-app')).out).toContain('Adding shop.example.com to cli-app... done');
    // The CLI asks which of the app's domains the certificate is for: the one it covers, selected.
    const added = await heroku(['certs:add', join(dir, 'cert.pem'), join(dir, 'key.pem'), '-a', 'cli-app'], 90_000, [{ prompt: 'Select domains', answer: ' ' }]);
    expect(added.code, added.out).toBe(0);
    expect(added.out).toContain('Adding SSL certificate to cli-app... done');
    expect(added.out).toContain('SSL certificate is self signed.');
    expect(added.stdout).toContain('shop.example.com');
    expect((await ok('certs', '-a', 'cli-app')).stdout).toMatch(/shop\.example\.com/);
    expect((await ok('certs:info', '-a', 'cli-app')).stdout).toMatch(/Common Name\(s\):\s+shop\.example\.com/);
    expect((await ok('certs:remove', '--confirm', 'cli-app', '-a', 'cli-app')).out).toMatch(/Removing SSL certificate \S+ from cli-app\.\.\. done/);
    expect((await ok('certs', '-a', 'cli-app')).out).toContain('cli-app has no SSL certificates.');
    await ok('domains:remove', 'shop.example.com', '-a', 'cli-app');
  });

  it('shows the log: the last lines, by dyno and by source', async () => {
    const logs = await waitFor(
      'the app in the log',
      async () => {
        const run = await ok('logs', '-n', '200', '-a', 'cli-app');
        return /app\[web\.1\]: listening on \d+/.test(run.stdout) ? run.stdout : null;
      },
      30_000,
    );
    expect(logs).toMatch(/slipway\[web\.1\]: State changed from starting to up/);
    // The push's platform events, signed by whoever pushed.
    for (const event of [/Build started by user \S+@\S+/, /Build succeeded/, /Deploy [0-9a-f]{8} by user \S+@\S+/, /Release v\d+ created by user \S+@\S+/]) {
      expect(logs).toMatch(new RegExp(`slipway\\[api\\]: ${event.source}`));
    }
    const last = (await ok('logs', '-n', '3', '-a', 'cli-app')).stdout.trim().split('\n');
    expect(last).toHaveLength(3);
    const app = (await ok('logs', '-n', '50', '--source', 'app', '-a', 'cli-app')).stdout.trim().split('\n');
    expect(app.length).toBeGreaterThan(0);
    for (const line of app) expect(line).toMatch(/^\S+ app\[/);
    const web1 = (await ok('logs', '-n', '50', '--dyno', 'web.1', '-a', 'cli-app')).stdout.trim().split('\n');
    for (const line of web1) expect(line).toMatch(/^\S+ (app|slipway)\[web\.1\]: /);
  });

  it('follows the log with --tail', async () => {
    const tail = spawn(process.execPath, [HEROKU_BIN, 'logs', '--tail', '-n', '5', '-a', 'cli-app'], { cwd: repo, env: herokuEnv(platform, cliHome), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    tail.stdout.on('data', (d: Buffer) => (out += d.toString().replace(ANSI, '')));
    tail.stderr.on('data', (d: Buffer) => (out += d.toString().replace(ANSI, '')));
    try {
      // the last lines first, then what happens next
      await waitFor('the last lines', () => out.trim().split('\n').length >= 5, 30_000);
      const seen = out.length;
      await ok('ps:restart', '--dyno-name', 'web.1', '-a', 'cli-app');
      await waitFor('the restart, followed', () => /slipway\[web\.1\]: State changed from starting to up/.test(out.slice(seen)), 90_000);
      expect(tail.exitCode).toBeNull();
    } finally {
      tail.kill('SIGTERM');
    }
  });

  it('lists releases, shows one, and rolls back to the previous one', async () => {
    // A second deploy, so there is code to go back to: through the `heroku` remote git:remote
    // sets, over https (the platform's TLS port), as a Heroku user pushes.
    const remote = await ok('git:remote', '-a', 'cli-app');
    expect(remote.out).toContain(`set git remote heroku to ${platform.endpoints.apiTls}/cli-app.git`);
    await editFile(repo, 'server.js', (text) => text.replace('hello from v1', 'hello from v2'));
    await commitAll(repo, 'v2');
    const credentials = `!f() { echo username=heroku; echo password=${platform.endpoints.token}; }; f`;
    const pushed = await git(repo, ['-c', `credential.helper=${credentials}`, 'push', 'heroku', 'HEAD:main'], { GIT_SSL_CAINFO: platform.endpoints.tlsCertificate });
    expect(pushed.code, pushed.out).toBe(0);
    await waitFor('v2 served', async () => (await viaRouter(platform.endpoints, 'cli-app')).body === 'hello from v2\n', 90_000);

    const releases = await ok('releases', '-a', 'cli-app');
    expect(releases.stdout).toContain('=== cli-app Releases - Current: v4');
    const versions = [...releases.stdout.matchAll(/^\s*(v\d+)\s+(\S.*?)\s{2,}/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(versions).toEqual([expect.stringMatching(/^v4 Deploy [0-9a-f]{8}$/), expect.stringMatching(/^v3 Deploy [0-9a-f]{8}$/), 'v2 Remove LEVEL config vars', 'v1 Set GREETING, LEVEL config vars']);
    expect((await ok('releases', '-n', '2', '-a', 'cli-app')).stdout.match(/^\s*v\d+ /gm)).toHaveLength(2);

    const info = await ok('releases:info', 'v2', '-a', 'cli-app');
    expect(info.stdout).toContain('=== Release v2');
    expect(info.stdout).toMatch(/Change:\s+Remove LEVEL config vars/);
    expect(info.stdout).toMatch(/Eligible for Rollback\?:\s+No/);
    expect(info.stdout).toMatch(/=== v2 Config vars\s+GREETING:\s+hello/);
    expect((await ok('releases:info', '-a', 'cli-app')).stdout).toContain('=== Release v4');

    const rollback = await ok('releases:rollback', '-a', 'cli-app');
    expect(rollback.out).toContain('Rolling back cli-app to v3... done, v5');
    await waitFor('v1 of the code served again', async () => (await viaRouter(platform.endpoints, 'cli-app')).body === 'hello from v1\n', 90_000);
    expect((await ok('releases', '-a', 'cli-app')).stdout).toMatch(/^\s*v5\s+Rollback to v3/m);
    const noCode = await heroku(['releases:rollback', 'v1', '-a', 'cli-app']);
    expect(noCode.code).not.toBe(0);
    expect(noCode.out).toContain('v1 has no code to roll back to.');
  });

  it('turns maintenance mode on and off', async () => {
    expect((await ok('maintenance', '-a', 'cli-app')).stdout.trim()).toBe('off');
    expect((await ok('maintenance:on', '-a', 'cli-app')).out).toContain('Enabling maintenance mode for cli-app... done');
    expect((await ok('maintenance', '-a', 'cli-app')).stdout.trim()).toBe('on');
    await waitFor('the maintenance page', async () => (await viaRouter(platform.endpoints, 'cli-app')).status === 503, 30_000);
    expect((await ok('maintenance:off', '-a', 'cli-app')).out).toContain('Disabling maintenance mode for cli-app... done');
    await waitFor('the app again', async () => (await viaRouter(platform.endpoints, 'cli-app')).status === 200, 30_000);
  });

  it('answers the topics Slipway has little of with sensible output', async () => {
    const added = await ok('domains:add', 'www.cli-example.com', '-a', 'cli-app');
    expect(added.stdout).toContain('Configure your app\'s DNS provider to point to the DNS Target cli-app.localhost.');
    const domains = await ok('domains', '-a', 'cli-app');
    expect(domains.stdout).toMatch(/=== cli-app Heroku Domain\s+cli-app\.localhost\s/);
    expect(domains.stdout).toMatch(/=== cli-app Custom Domains[\s\S]*www\.cli-example\.com\s+CNAME\s+cli-app\.localhost/);
    expect((await ok('domains:remove', 'www.cli-example.com', '-a', 'cli-app')).out).toContain('Removing www.cli-example.com from cli-app... done');
    expect((await ok('addons', '-a', 'cli-app')).stdout).toContain('No add-ons for app cli-app.');
    // a real PostgreSQL, from the stack's packages (control-plane/addons/addons-api.test.ts uses it)
    const created = await ok('addons:create', 'heroku-postgresql:mini', '-a', 'cli-app');
    const addonName = /Created (postgresql-[a-z]+-\d{5}) as DATABASE_URL/.exec(created.out)?.[1];
    expect(addonName, created.out).toBeDefined();
    const listed = await ok('addons', '-a', 'cli-app');
    expect(listed.stdout).toMatch(new RegExp(`postgresql \\(${addonName}\\)\\s+mini\\s+~\\$0\\.007/hour\\s+\\$5/month\\s+created`));
    expect(listed.stdout).toContain('as DATABASE');
    // the URL names the add-on: the attached apps' containers reach it by that name
    expect((await ok('config:get', 'DATABASE_URL', '-a', 'cli-app')).stdout).toMatch(new RegExp(`^postgres://u[a-z0-9]+:[^@]+@${addonName}:\\d+/d[a-z0-9]+\\s*$`));
    expect((await ok('addons:info', addonName!, '-a', 'cli-app')).stdout).toMatch(/cli-app::DATABASE/);
    expect((await ok('addons:destroy', addonName!, '-a', 'cli-app', '--confirm', 'cli-app')).out).toContain(`Destroying ${addonName} on cli-app... done`);
    expect((await ok('addons', '-a', 'cli-app')).stdout).toContain('No add-ons for app cli-app.');
    expect((await ok('features', '-a', 'cli-app')).stdout).toContain('=== App Features cli-app');
    expect((await ok('regions')).stdout).toMatch(/local\s+This Slipway platform's hosts\s+Common Runtime/);
    expect((await ok('stack', '-a', 'cli-app')).stdout).toMatch(/\* bookworm/);
    expect((await ok('access', '-a', 'cli-app')).stdout).toMatch(/admin@slipway\.local\s+owner/);
    const missing = await heroku(['apps:info', '-a', 'no-such-app']);
    expect(missing.code).not.toBe(0);
    expect(missing.out).toContain("Couldn't find that app: no-such-app.");
  });

  it('renames the app, which keeps running under its new name', async () => {
    const renamed = await ok('apps:rename', 'cli-renamed', '-a', 'cli-app');
    expect(renamed.out).toContain('Renaming cli-app to cli-renamed... done');
    expect(renamed.stdout).toContain('http://cli-renamed.localhost:');
    await waitFor('the new name served', async () => (await viaRouter(platform.endpoints, 'cli-renamed')).status === 200, 60_000);
    const info = await ok('apps:info', '-a', 'cli-renamed');
    expect(info.stdout).toContain('=== cli-renamed');
    expect(info.stdout).toMatch(/Dynos:\s+web: 1/);
    expect((await ok('config:get', 'GREETING', '-a', 'cli-renamed')).stdout.trim()).toBe('hello');
  });

  it('offers the app to another user with apps:transfer; the recipient sees the offer', async () => {
    const call = api(platform.endpoints);
    const carol = await call('POST', '/users', { email: 'carol@example.com' });
    expect(carol.status).toBe(201);
    const offered = await ok('apps:transfer', 'carol@example.com', '-a', 'cli-renamed');
    expect(offered.out).toContain('Initiating transfer of cli-renamed to carol@example.com... email sent');
    const pending = await fetch(`${platform.endpoints.api}/account/app-transfers`, { headers: { authorization: `Bearer ${carol.body.token as string}`, accept: 'application/vnd.heroku+json; version=3' } });
    expect(((await pending.json()) as { app: { name: string }; state: string }[]).map((t) => `${t.app.name} ${t.state}`)).toEqual(['cli-renamed pending']);
  });

  it('works in a team: members with roles, team apps, apps moved between the team and a member', async () => {
    const call = api(platform.endpoints);
    expect((await call('POST', '/teams', { name: 'acme' })).status).toBe(201);
    expect((await ok('teams')).stdout).toMatch(/acme\s+admin/);
    expect((await ok('members:add', 'carol@example.com', '--role', 'member', '-t', 'acme')).out).toContain('Adding carol@example.com to acme as member... done');
    expect((await ok('members:set', 'carol@example.com', '--role', 'viewer', '-t', 'acme')).out).toContain('Adding carol@example.com to acme as viewer... done');
    const members = (await ok('members', '-t', 'acme')).stdout;
    expect(members).toMatch(/admin@slipway\.local\s+admin/);
    expect(members).toMatch(/carol@example\.com\s+viewer/);
    expect((await ok('apps:create', 'team-app', '-t', 'acme')).out).toContain('Creating team-app... done');
    const listed = (await ok('apps', '-t', 'acme')).stdout;
    expect(listed).toContain('=== Apps in team acme');
    expect(listed).toContain('team-app');
    expect((await ok('apps:info', '-a', 'team-app')).stdout).toMatch(/Owner:\s+acme@herokumanager\.com/);
    const access = (await ok('access', '-a', 'team-app')).stdout;
    expect(access).toMatch(/admin@slipway\.local\s+admin/);
    expect(access).toMatch(/carol@example\.com\s+viewer/);
    // Out of the team to a member, and back.
    const out = await ok('apps:transfer', 'admin@slipway.local', '-a', 'team-app', '--confirm', 'team-app');
    expect(out.out).toContain('Transferring team-app to admin@slipway.local... done');
    expect((await ok('apps:info', '-a', 'team-app')).stdout).toMatch(/Owner:\s+admin@slipway\.local/);
    expect((await ok('apps:transfer', 'acme', '-a', 'team-app')).out).toContain('Transferring team-app to acme... done');
    expect((await ok('apps', '-t', 'acme')).stdout).toContain('team-app');
    expect((await ok('apps:destroy', 'team-app', '--confirm', 'team-app')).out).toContain('Destroying team-app (including all add-ons)... done');
    expect((await ok('members:remove', 'carol@example.com', '-t', 'acme')).out).toContain('Removing carol@example.com from acme... done');
    expect((await ok('apps', '-t', 'acme')).stdout).toContain('There are no apps in team acme.');
  });

  it('destroys the app', async () => {
    const destroyed = await ok('apps:destroy', 'cli-renamed', '--confirm', 'cli-renamed');
    expect(destroyed.out).toContain('Destroying cli-renamed (including all add-ons)... done');
    expect((await ok('apps')).stdout).toContain('You have no apps.');
    await waitFor('the route gone', async () => (await viaRouter(platform.endpoints, 'cli-renamed')).status === 404, 30_000);
  });
});
