// A branded platform end to end: the provider's brand file given to the control plane, the
// router and `npm run build:cli`; its users sign up by invitation (the email), get tokens with
// its prefix, use its own installed CLI, push with git, meet errors and router pages, and
// never see Slipway's name.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Builder, BuildInput } from '../../control-plane/builds/builder.js';
import { httpRequest, startTestRouter, type TestRouter } from '../../router/testing/router-fixtures.js';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';
import { recordingMailer, type RecordingMailer } from '../support/recording-mailer.js';

const exec = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const BRAND = 'name: Acme Cloud\ncli_command: acme\ntoken_prefix: acme\nsupport_url: https://help.acme.test\ncolors: { primary: "#ff6600" }\n';
/** The default brand, in any case: as a name, a command, a header. */
const DEFAULT_BRAND_NAME = /slipway/i;

/** Builds nothing: takes the pushed source and answers an image with no process types. */
const builder: Builder = {
  ready: true,
  prepare: async () => {},
  async build(input: BuildInput) {
    input.source.resume();
    await new Promise((resolve) => input.source.once('end', resolve));
    await input.log('-----> Pretending to build');
    return { image: { repository: `apps/${input.appName}`, digest: `sha256:${'1'.repeat(64)}` }, processTypes: {}, buildpack: 'fake', stack: 'bookworm' };
  },
  tagImage: async () => {},
};

describe('a branded platform', () => {
  let dir: string;
  let cp: TestControlPlane;
  let router: TestRouter;
  let mailer: RecordingMailer;
  let acme: (args: string[], input?: string) => Promise<{ code: number; out: string }>;
  /** Everything a user saw, checked for the default brand at the end of each test. */
  const seen: string[] = [];
  const see = <T>(text: T): T => {
    seen.push(typeof text === 'string' ? text : JSON.stringify(text));
    return text;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-branded-'));
    const brandFile = join(dir, 'brand.yaml');
    await writeFile(brandFile, BRAND);
    mailer = recordingMailer();
    cp = await startTestControlPlane({ SLIPWAY_BRAND_FILE: brandFile, SLIPWAY_SIGNUP: 'invite' }, { builder, accountMailer: mailer });
    router = await startTestRouter({ redisUrl: cp.redis.url, natsUrl: cp.nats.url }, { SLIPWAY_BRAND_FILE: brandFile });
    // the provider's CLI, packed and installed as its users would
    const packed = await exec(process.execPath, [join(root, 'scripts', 'build-cli.mjs'), '--brand', brandFile, '--out', join(dir, 'pkg')], { cwd: root });
    const tarball = packed.stdout.trim().split('\n').at(-1)!;
    await exec('npm', ['install', '-g', '--prefix', join(dir, 'prefix'), tarball, '--no-audit', '--no-fund'], { cwd: dir });
    const env = { PATH: process.env.PATH, HOME: join(dir, 'home') };
    acme = (args, input) =>
      new Promise((resolve) => {
        const child = execFile(join(dir, 'prefix', 'bin', 'acme'), args, { env, cwd: dir }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: see(stdout + stderr) }),
        );
        child.stdin?.end(input ?? '');
      });
  }, 300_000);

  afterAll(async () => {
    await router?.stop();
    await cp?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('invites by email in the brand’s words, and gives tokens its prefix', async () => {
    const operator = apiClient(cp.url, cp.adminToken);
    expect((await operator('POST', '/invitations', { email: 'ann@example.com' })).status).toBe(201);
    const invitation = mailer.last('ann@example.com');
    see(invitation);
    expect(invitation.subject).toBe('You are invited to Acme Cloud');
    expect(invitation.text).toContain('Sign up with: acme signup ann@example.com --invitation ');
    const created = await operator('POST', '/users', { email: 'bo@example.com' });
    expect(created.body.token).toMatch(/^acme_[0-9a-f]{16}_/);
    const login = await acme(['login', '--api', cp.url, '--token', created.body.token as string]);
    expect(login.code).toBe(0);
  });

  it('runs the provider’s own CLI: its name in help and errors, its commands', async () => {
    const help = await acme(['--help']);
    expect(help.out).toMatch(/^Usage: acme \[options\] \[command\]\n\nAcme Cloud: git push to deploy/);
    expect((await acme(['apps:create', 'shop'])).code).toBe(0);
    expect((await acme(['apps'])).out).toContain('shop');
    const noApp = await acme(['ps']);
    expect(noApp.code).not.toBe(0);
    expect(noApp.out).toMatch(/`acme` remote \(acme git:remote -a <app>\)/);
    const scale = await acme(['ps:scale', 'web=1', '-a', 'shop']);
    expect(scale.code).not.toBe(0);
    for (const command of ['apps:create', 'logs', 'run', 'login', 'git:remote', 'ps:scale', 'completion']) await acme([command, '--help']);
    expect((await acme(['completion', 'bash'])).out).toContain('complete -F _acme acme');
  });

  it('answers the API’s errors in its name', async () => {
    const anonymous = await fetch(`${cp.url}/apps`);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="Acme Cloud"');
    see(await anonymous.text());
    const operator = apiClient(cp.url, cp.adminToken);
    expect(see((await operator('GET', '/spaces/x')).body).message).toBe('Acme Cloud has no private spaces yet.');
    expect(see((await operator('GET', '/regions')).body)[0].description).toBe("This Acme Cloud platform's hosts");
  });

  it('pushes with git, the token its prefix', async () => {
    const work = join(dir, 'work');
    const git = (args: string[]) => exec('git', args, { cwd: work, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }).then((r) => see(r.stdout + r.stderr));
    await exec('git', ['init', '-q', '-b', 'main', work]);
    await writeFile(join(work, 'index.js'), 'console.log(1)\n');
    await git(['add', '.']);
    await git(['-c', 'user.email=t@example.com', '-c', 'user.name=T', 'commit', '-qm', 'first']);
    const operator = apiClient(cp.url, cp.adminToken);
    const user = await operator('POST', '/users', { email: 'pusher@example.com' });
    const client = apiClient(cp.url, user.body.token as string);
    expect((await client('POST', '/apps', { name: 'pushed' })).status).toBe(201);
    const url = new URL(`${cp.url}/pushed.git`);
    url.username = 'anyone';
    url.password = user.body.token as string;
    const pushed = await git(['push', url.toString(), 'main']);
    expect(pushed).toContain('remote: -----> Released v1');
  });

  it('shows router pages in its name, colour and support link', async () => {
    const page = await httpRequest(router.httpPort, 'nobody.localhost', '/', { headers: { accept: 'text/html' } });
    see(JSON.stringify(page.headers));
    see(page.body);
    expect(page.status).toBe(404);
    expect(page.body).toContain('Acme Cloud');
    // its colour and its support link
    expect(page.body).toContain('.brand,a{color:rgb(255,102,0)}');
    expect(page.body).toContain('<a href="https://help.acme.test/">Contact Acme Cloud support</a>');
  });

  it('never shows the default brand', () => {
    const leaks = seen.flatMap((text) => text.split('\n')).filter((line) => DEFAULT_BRAND_NAME.test(line));
    expect(leaks).toEqual([]);
  });
});
