// The release phase on the real platform (Heroku's `release:` process): pushed with git, the
// release command runs once in a one-off container of the new image with the new config before
// any instance of the release starts, its output streamed into the push and the app's log; a
// failing command fails the release, the push and nothing else: the previous release serves on.
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitAll, dockerContainersLabeled, editFile, fixtureRepo, git, gitUrl, newHome, platformEnv, pollContinuously, removePlatformImages, slipwayCli, startPlatform, viaRouter, waitFor, api, type RunningPlatform } from './harness.js';

const APP = 'migrating';

describe('release phase', () => {
  let env: Record<string, string>;
  let platform: RunningPlatform;
  let call: ReturnType<typeof api>;
  let repo: string;
  const cleanup: string[] = [];

  const push = () => git(repo, ['push', '--force', gitUrl(platform.endpoints, APP), 'HEAD:main']);
  const served = async () => (await viaRouter(platform.endpoints, APP)).body;
  const releases = async () => (await call('GET', `/apps/${APP}/releases`)).body as { version: number; status: string; current: boolean; description: string }[];
  const logs = async () => (await fetch(`${platform.endpoints.api}/apps/${APP}/logs?lines=200`, { headers: { authorization: `Bearer ${platform.endpoints.token}` } })).text();

  beforeAll(async () => {
    const home = await newHome();
    cleanup.push(home);
    env = await platformEnv(home, { SLIPWAY_BOOT_TIMEOUT_SECONDS: '20', SLIPWAY_RECONCILE_INTERVAL_MS: '1000', SLIPWAY_STOP_GRACE_SECONDS: '5' });
    platform = await startPlatform(env);
    call = api(platform.endpoints);
    expect((await call('POST', '/apps', { name: APP })).status).toBe(201);
    expect((await call('PATCH', `/apps/${APP}/config-vars`, { MIGRATION_LABEL: 'first' })).status).toBe(200);
    repo = await fixtureRepo('e2e-release');
    cleanup.push(repo);
  });

  afterAll(async () => {
    await platform?.stop().catch(() => {});
    await removePlatformImages(env);
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('runs the release command with the new code and config before the web process starts, streaming its output into the push', async () => {
    const result = await push();
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('remote: -----> Running release command: node release.js');
    expect(result.out).toContain('remote:        migrating to schema 2 with label first as release.2');
    expect(result.out).toContain('remote: -----> Released v2');
    const migratedAt = Number(/migrated at (\d+)/.exec(result.out)?.[1]);
    const body = await waitFor('v1 served', async () => {
      const text = await served();
      return text.startsWith('v1') && text;
    }, 30_000);
    expect(body).toMatch(/^v1 label=first started=\d+/);
    // The web instance started after the release command had finished.
    expect(Number(/started=(\d+)/.exec(body)?.[1])).toBeGreaterThan(migratedAt);
    expect((await releases()).at(-1)).toMatchObject({ version: 2, status: 'succeeded', current: true });
    await waitFor('the release output in the app log', async () => (await logs()).includes('app[release.2]: migrating to schema 2'), 30_000);

    // Heroku's output_stream_url: the release's own output, fetched without credentials.
    const { output_stream_url: outputUrl } = (await releases()).at(-1) as unknown as { output_stream_url: string };
    expect(outputUrl).toMatch(new RegExp(`^${platform.endpoints.api}/release-output/`));
    const output = await fetch(outputUrl);
    expect(output.status).toBe(200);
    expect(await output.text()).toContain('migrating to schema 2 with label first as release.2');
    expect((await fetch(outputUrl.replace(/[^/]+$/, 'not-the-secret'))).status).toBe(404);
  });

  it('runs a detached one-off dyno of the current release: listed while it runs, its output in the log, stoppable', async () => {
    const once = await call('POST', `/apps/${APP}/dynos`, { command: 'node release.js', attach: false });
    expect(once.status).toBe(201);
    expect(once.body).toMatchObject({ name: 'run.1', type: 'run', state: 'up', command: 'node release.js', release: { version: 2 } });
    await waitFor('its output and end in the log', async () => {
      const text = await logs();
      return text.includes('app[run.1]: migrating to schema 2 with label first as run.1') && text.includes('slipway[run.1]: State changed from up to complete');
    }, 30_000);

    const long = await call('POST', `/apps/${APP}/dynos`, { command: 'node -e "setTimeout(() => {}, 120000)"', attach: false, size: 'basic' });
    expect(long.body.name).toBe('run.2');
    const dynos = async () => ((await call('GET', `/apps/${APP}/dynos`)).body as { name: string; state: string }[]).map((d) => `${d.name} ${d.state}`);
    expect(await dynos()).toEqual(['web.1 up', 'run.2 up']);
    expect((await call('POST', `/apps/${APP}/dynos/run.2/actions/stop`)).status).toBe(202);
    await waitFor('run.2 gone', async () => !(await dynos()).some((d) => d.startsWith('run.2')), 30_000);
    expect((await call('POST', `/apps/${APP}/dynos/run.2/actions/stop`)).status).toBe(404);
    // A dyno of the formation stops and, as on Heroku, the formation starts it again.
    const web = async () => ((await call('GET', `/apps/${APP}/dynos`)).body as { id: string; name: string; state: string }[]).find((d) => d.name === 'web.1');
    const stopped = (await web())!.id;
    expect((await call('POST', `/apps/${APP}/dynos/web.1/actions/stop`)).status).toBe(202);
    await waitFor('web.1 replaced and up', async () => {
      const now = await web();
      return now && now.id !== stopped && now.state === 'up';
    }, 60_000);

    // ps:stop gives the app's own grace: 1 s here, too short for a 4 s cleanup.
    expect((await call('PATCH', `/apps/${APP}`, { stop_timeout_seconds: 1 })).status).toBe(200);
    const trapping = await call('POST', `/apps/${APP}/dynos`, {
      command: `node -e "process.on('SIGTERM', () => { console.log('got SIGTERM'); setTimeout(() => console.log('cleaned up'), 4000); }); setInterval(() => {}, 1000); console.log('trapping');"`,
      attach: false,
    });
    expect(trapping.body.name).toBe('run.3');
    await waitFor('run.3 trapping', async () => (await logs()).includes('app[run.3]: trapping'), 30_000);
    expect((await call('POST', `/apps/${APP}/dynos/run.3/actions/stop`)).status).toBe(202);
    await waitFor('run.3 gone', async () => !(await dynos()).some((d) => d.startsWith('run.3')), 30_000);
    await waitFor('its SIGTERM in the log', async () => (await logs()).includes('app[run.3]: got SIGTERM'), 10_000);
    expect(await logs()).not.toContain('app[run.3]: cleaned up');
    expect((await call('PATCH', `/apps/${APP}`, { stop_timeout_seconds: null })).status).toBe(200);
  });

  it("joins an attached run through Heroku's rendezvous, as the stock heroku run does: TLS, the secret, then the TTY's bytes", async () => {
    const created = await call('POST', `/apps/${APP}/dynos`, { command: 'bash', attach: true, env: { TERM: 'xterm', COLUMNS: 90, LINES: 20, GREETING: 'hi from -e' } });
    expect(created.status).toBe(201);
    const attachUrl = new URL(created.body.attach_url as string);
    expect(attachUrl.protocol).toBe('rendezvous:');
    expect(attachUrl.port).toBe(env.SLIPWAY_RENDEZVOUS_PORT);
    expect(created.body.attach_websocket_url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/dyno-sessions\//);
    // The CLI trusts the platform's certificate (NODE_EXTRA_CA_CERTS for the stock one).
    const ca = await readFile(join(platform.home, 'secrets', 'rendezvous', 'cert.pem'));
    const join_ = (secret: string) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: Number(attachUrl.port), ca });
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.once('secureConnect', () => socket.write(`${secret}\r\n`));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      return { socket, screen: () => received, closed };
    };
    const secret = attachUrl.pathname.slice(1);
    const dyno = join_(secret);
    await waitFor('the greeting', () => dyno.screen().startsWith('rendezvous\r\n'), 10_000);
    dyno.socket.write('echo $GREETING $((6*7)) on $DYNO; stty size\r');
    await waitFor('the output', () => /hi from -e 42 on run\.\d+/.test(dyno.screen()) && dyno.screen().includes('20 90'), 30_000).catch((err: Error) => {
      throw new Error(`${err.message}; the screen:\n${dyno.screen()}`);
    });
    dyno.socket.write('exit 4\r');
    await dyno.closed;

    // The secret was used: a second join is refused in words.
    const again = join_(secret);
    await again.closed;
    expect(again.screen()).toContain('this attach URL is unknown, used or expired');
  });

  it('follows a window resize over the attach WebSocket, and ends with the exit code', async () => {
    const created = await call('POST', `/apps/${APP}/dynos`, { command: 'bash', attach: true, tty: { cols: 80, rows: 24 } });
    expect(created.status).toBe(201);
    const ws = new WebSocket(created.body.attach_websocket_url as string);
    let screen = '';
    let ending: { exit_code: number | null } | null = null;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) screen += data.toString();
      else ending = JSON.parse(data.toString()) as { exit_code: number | null };
    });
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    const typeAndSee = async (keys: string, expected: RegExp) => {
      ws.send(Buffer.from(keys), { binary: true });
      await waitFor(`${expected} on the screen`, () => expected.test(screen), 30_000).catch((err: Error) => {
        throw new Error(`${err.message}; the screen:\n${screen}`);
      });
    };
    await typeAndSee('stty size\r', /^24 80\r?$/m);
    ws.send(JSON.stringify({ resize: { cols: 132, rows: 43 } }));
    await typeAndSee('stty size\r', /^43 132\r?$/m);
    ws.send(Buffer.from('exit 5\r'), { binary: true });
    await closed;
    expect(ending).toEqual({ exit_code: 5, reason: expect.any(String) });
  });

  it('runs an attached one-off dyno through a pseudo-terminal: typed commands, their output, the window size, Ctrl-C, the exit code', async () => {
    const cli = slipwayCli(platform, { COLUMNS: '101', LINES: '33' });
    // util-linux's script gives the CLI a pseudo-terminal, as a user's terminal would; -e: its exit code is the CLI's
    const terminal = () => spawn('script', ['-qefc', `${cli.argv.join(' ')} run bash -a ${APP}`, '/dev/null'], { env: cli.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const child = terminal();
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const typeAndSee = async (keys: string, expected: string) => {
      child.stdin.write(keys);
      await waitFor(`"${expected}" on the screen`, () => screen.includes(expected), 30_000).catch((err: Error) => {
        throw new Error(`${err.message}; the screen:\n${screen}`);
      });
    };
    await typeAndSee('echo hello $((6*7)) from $DYNO\r', 'hello 42 from run.');
    await typeAndSee('stty size\r', '33 101');
    await typeAndSee('sleep 30; echo not-interrupted\r', 'sleep 30');
    await new Promise((r) => setTimeout(r, 1000));
    await typeAndSee('\x03', '^C');
    await typeAndSee('echo interrupted with $?\r', 'interrupted with 130');
    expect(screen).not.toContain('not-interrupted\r\n');
    child.stdin.write('exit 3\r');
    expect(await exited).toBe(3);

    // Ctrl-D at the prompt ends the shell, as at a local one
    const second = terminal();
    let seen = '';
    second.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    second.stderr.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    second.stdin.write('echo rea""dy\r');
    await waitFor('the second shell', () => /ready\r*\n/.test(seen), 30_000).catch((err: Error) => {
      throw new Error(`${err.message}; the screen:\n${seen}`);
    });
    second.stdin.write('\x04');
    const closed = new Promise((resolve) => second.once('close', resolve));
    const code = await Promise.race([closed, new Promise((r) => setTimeout(() => r(`still open after 20 s; the screen:\n${seen}`), 20_000))]);
    expect(code).toBe(0);
    await waitFor('the dyno gone', async () => !((await call('GET', `/apps/${APP}/dynos`)).body as { type: string }[]).some((d) => d.type === 'run'), 30_000);
  });

  it('refuses to scale the release process type', async () => {
    const scaled = await call('PATCH', `/apps/${APP}/formation`, { updates: [{ type: 'release', quantity: 1 }] });
    expect(scaled.status).toBe(422);
    expect(scaled.body.message).toMatch(/release phase/);
  });

  it('fails a push whose release command fails: no rollout, the push says why, and the previous release serves with no failed request', async () => {
    const before = await served();
    const poller = pollContinuously(platform.endpoints, APP, 120_000);
    // A config change whose release phase fails: answered at once, then failed, nothing restarts.
    const set = await call('PATCH', `/apps/${APP}/config-vars`, { FAIL_RELEASE: 'yes' });
    expect(set.status).toBe(200);
    await waitFor('the config release failed', async () => (await releases()).find((r) => r.version === 3)?.status === 'failed', 60_000);
    await waitFor('its output in the app log', async () => (await logs()).includes('app[release.3]: migration failed'), 30_000);

    await editFile(repo, 'server.js', (text) => text.replace("const VERSION = 'v1'", "const VERSION = 'v2'"));
    await commitAll(repo, 'v2');
    const result = await push();
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('migration failed: column "email" already exists');
    expect(result.out).toContain('Release command failed: exited with code 1.');
    expect(result.out).toContain('v4 failed and does not run. v2 keeps serving.');
    expect((await releases()).map((r) => [r.version, r.status, r.current])).toEqual([
      [1, 'succeeded', false],
      [2, 'succeeded', true],
      [3, 'failed', false],
      [4, 'failed', false],
    ]);
    const seen = await poller.stop();
    expect(seen.failures).toEqual([]);
    expect([...seen.bodies.keys()]).toEqual([before.trim()]);
  });

  it('rolls out once the release command passes again', async () => {
    const unset = await call('PATCH', `/apps/${APP}/config-vars`, { FAIL_RELEASE: null, MIGRATION_LABEL: 'second' });
    expect(unset.status).toBe(200);
    await waitFor('v1 with the new label', async () => (await served()).startsWith('v1 label=second'), 60_000);
    expect((await releases()).at(-1)).toMatchObject({ version: 5, status: 'succeeded', current: true });
    const result = await push();
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('migrating to schema 2 with label second as release.6');
    await waitFor('v2 served', async () => (await served()).startsWith('v2 label=second'), 30_000);
  });

  it('stops the one-off dynos of an app that is deleted', async () => {
    const { id } = (await call('GET', `/apps/${APP}`)).body as { id: string };
    const long = await call('POST', `/apps/${APP}/dynos`, { command: 'node -e "setTimeout(() => {}, 120000)"', attach: false });
    expect(long.status).toBe(201);
    expect(await dockerContainersLabeled(`io.slipway.app-id=${id}`)).not.toEqual([]);
    expect((await call('DELETE', `/apps/${APP}`)).status).toBe(200);
    await waitFor('no container of the app left', async () => (await dockerContainersLabeled(`io.slipway.app-id=${id}`)).length === 0, 30_000);
  });
});
