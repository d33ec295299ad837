// The CLI in-process (injected IO) against a real control plane on real Redis and NATS.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../common/ports.js';
import { apiClient, NO_BUILDS, startTestControlPlane, type TestControlPlane } from '../test/support/control-plane.js';
import { credentialsPath } from './config.js';
import { inProcessCli, type CliResult } from './testing/cli-harness.js';

const exec = promisify(execFile);

describe('slipway (in-process) against the Platform API', () => {
  let cp: TestControlPlane;
  let home: string;
  let repo: string;
  let slipway: ReturnType<typeof inProcessCli>;
  let credentialsFile: string;

  const ok = (result: CliResult) => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return result.stdout;
  };
  const failure = (result: CliResult, message: RegExp) => {
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    return result.stderr;
  };

  beforeAll(async () => {
    cp = await startTestControlPlane({}, { builder: NO_BUILDS });
    home = await mkdtemp(join(tmpdir(), 'slipway-cli-home-'));
    repo = await mkdtemp(join(tmpdir(), 'slipway-cli-repo-'));
    await exec('git', ['init', '-q', '-b', 'main'], { cwd: repo });
    credentialsFile = credentialsPath(undefined, home);
    // the git repository is the working directory: apps are found through its `slipway` remote
    slipway = inProcessCli({ home, cwd: repo, self: ['/usr/bin/node', '/opt/slipway cli/main.js'] });
  });
  afterAll(async () => {
    await cp?.stop();
    await Promise.all([home, repo].filter(Boolean).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('refuses a wrong token at login and stores nothing', async () => {
    const wrong = cp.adminToken.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'));
    failure(await slipway(['login', '--api', cp.url, '--token', wrong]), /^Error: Invalid credentials provided\.\n$/);
    await expect(stat(credentialsFile)).rejects.toThrow(/ENOENT/);
    failure(await slipway(['whoami']), /Not logged in/);
  });

  it('logs in, storing the URL and token readable by the owner only', async () => {
    expect(ok(await slipway(['login', '--api', `${cp.url}/`, '--token', '-'], { stdin: `${cp.adminToken}\n` }))).toBe(
      `Logged in to ${cp.url} as admin@slipway.local\n`,
    );
    expect((await stat(credentialsFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, '.config', 'slipway'))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(credentialsFile, 'utf8'))).toEqual({ apiUrl: cp.url, token: cp.adminToken, email: 'admin@slipway.local' });
    expect(ok(await slipway(['whoami']))).toBe('admin@slipway.local (operator)\n');
    expect(JSON.parse(ok(await slipway(['whoami', '--json'])))).toMatchObject({ email: 'admin@slipway.local', admin: true });
  });

  it('creates and lists apps', async () => {
    const created = ok(await slipway(['apps:create', 'cli-app']));
    expect(created).toBe(`Created cli-app\nhttp://cli-app.localhost/ | ${cp.url}/cli-app.git\n`);
    const table = ok(await slipway(['apps'])).split('\n');
    expect(table[0]).toMatch(/^NAME\s+OWNER\s+WEB URL$/);
    expect(table).toContainEqual(expect.stringMatching(/^cli-app\s+admin@slipway\.local\s+http:\/\/cli-app\.localhost\/$/));
    const json = JSON.parse(ok(await slipway(['apps', '--json'])));
    expect(json.map((a: { name: string }) => a.name)).toEqual(['cli-app']);
    failure(await slipway(['apps:create', 'cli-app']), /already taken/);
    failure(await slipway(['apps:create', 'Bad_Name']), /Name is invalid.*lowercase/);
  });

  it('shows an app, and says so clearly when there is no such app', async () => {
    const info = ok(await slipway(['apps:info', '-a', 'cli-app']));
    expect(info).toContain('=== cli-app');
    expect(info).toMatch(/Git URL: +http:\/\/127\.0\.0\.1:\d+\/cli-app\.git/);
    expect(info).toMatch(/Dynos: +none/);
    failure(await slipway(['apps:info', '-a', 'no-such-app']), /^Error: Couldn't find that app: no-such-app\.\n$/);
    failure(await slipway(['config', '-a', 'no-such-app']), /Couldn't find that app: no-such-app/);
  });

  it("needs an app when there is no -a and no git remote, and says how to name one", async () => {
    failure(await slipway(['ps']), /No app specified: use -a <app>, or run this in a git repository with a `slipway` remote/);
  });

  it('sets, gets and unsets config vars, values with = intact', async () => {
    const url = 'postgres://u:p@db/x?sslmode=require&a=b';
    const set = ok(await slipway(['config:set', `DATABASE_URL=${url}`, 'SECRET=s3cr3t==', '-a', 'cli-app']));
    expect(set).toMatch(/^Set DATABASE_URL and SECRET on cli-app, v1\n/);
    expect(ok(await slipway(['config:get', 'DATABASE_URL', '-a', 'cli-app']))).toBe(`${url}\n`);
    expect(ok(await slipway(['config:get', 'SECRET', '-a', 'cli-app']))).toBe('s3cr3t==\n');
    expect(ok(await slipway(['config:get', 'MISSING', '-a', 'cli-app']))).toBe('\n');
    expect(JSON.parse(ok(await slipway(['config:get', 'MISSING', '-a', 'cli-app', '--json'])))).toEqual({ key: 'MISSING', value: null });
    expect(ok(await slipway(['config', '-a', 'cli-app'])).split('\n')).toEqual([
      '=== cli-app Config Vars',
      `DATABASE_URL: ${url}`,
      'SECRET:       s3cr3t==',
      '',
    ]);
    expect(ok(await slipway(['config', '-s', '-a', 'cli-app']))).toBe(`DATABASE_URL='${url}'\nSECRET=s3cr3t==\n`);

    expect(ok(await slipway(['config:unset', 'SECRET', '-a', 'cli-app']))).toBe('Unset SECRET on cli-app, v2\n');
    expect(JSON.parse(ok(await slipway(['config', '--json', '-a', 'cli-app'])))).toEqual({ DATABASE_URL: url });
  });

  it('keeps config values out of errors', async () => {
    const secret = 'hunter2-very-secret';
    const tooLong = `BIG=${secret}${'x'.repeat(33 * 1024)}`;
    const stderr = failure(await slipway(['config:set', tooLong, '-a', 'cli-app']), /Error: /);
    expect(stderr).not.toContain(secret);
    const noEquals = failure(await slipway(['config:set', secret, '-a', 'cli-app']), /argument 1 has no '='/);
    expect(noEquals).not.toContain(secret);
    expect(JSON.parse(ok(await slipway(['config', '--json', '-a', 'cli-app']))).BIG).toBeUndefined();
  });

  it('lists releases newest first and shows one', async () => {
    const lines = ok(await slipway(['releases', '-a', 'cli-app'])).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^VERSION\s+STATUS\s+CREATED\s+DESCRIPTION$/);
    expect(lines[2]).toMatch(/^v2 \(current\)\s+succeeded\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\s+Remove SECRET config vars$/);
    expect(lines[3]).toMatch(/^v1\s+succeeded\s+.*Set DATABASE_URL, SECRET config vars$/);
    expect(lines).toHaveLength(4);
    const info = ok(await slipway(['releases:info', 'v1', '-a', 'cli-app']));
    expect(info).toContain('=== Release v1\n');
    expect(info).toMatch(/Description: +Set DATABASE_URL, SECRET config vars/);
    expect(info).not.toContain('s3cr3t');
    failure(await slipway(['releases:info', 'v9', '-a', 'cli-app']), /Couldn't find that release \(9\)/);
    // config-only releases carry no code: the API says so
    failure(await slipway(['releases:rollback', '-a', 'cli-app']), /v1 has no code to roll back to/);
  });

  it('adds, lists and removes custom domains', async () => {
    expect(ok(await slipway(['domains:add', 'www.cli-example.com', '-a', 'cli-app']))).toMatch(/^Added www\.cli-example\.com to cli-app/);
    expect(ok(await slipway(['domains', '-a', 'cli-app'])).split('\n')).toEqual([
      'HOSTNAME             KIND     DNS TARGET         CERTIFICATE',
      '-------------------  -------  -----------------  -----------',
      'cli-app.localhost    default',
      'www.cli-example.com  custom   cli-app.localhost',
      '',
    ]);
    failure(await slipway(['domains:add', 'x.localhost', '-a', 'cli-app']), /belong to the platform/);
    expect(ok(await slipway(['domains:remove', 'www.cli-example.com', '-a', 'cli-app']))).toBe('Removed www.cli-example.com from cli-app\n');
    failure(await slipway(['domains:remove', 'www.cli-example.com', '-a', 'cli-app']), /Couldn't find that domain/);
  });

  it('refuses to scale a process type the app does not have, with the API reason', async () => {
    failure(
      await slipway(['ps:scale', 'web=2', '-a', 'cli-app']),
      /^Error: Couldn't find that process type \(web\): the current release does not declare it\.\n$/,
    );
    failure(await slipway(['ps:scale', 'web=two', '-a', 'cli-app']), /Invalid quantity in web=two/);
    expect(ok(await slipway(['ps:scale', '-a', 'cli-app']))).toBe('cli-app has no process types yet: deploy it first.\n');
    expect(ok(await slipway(['ps', '-a', 'cli-app']))).toBe('No dynos on cli-app.\n');
    expect(ok(await slipway(['builds', '-a', 'cli-app']))).toBe('cli-app has no builds yet: git push to deploy.\n');
    failure(await slipway(['ps:restart', 'web.1', '-a', 'cli-app']), /Couldn't find that dyno \(web\.1\)/);
  });

  it('writes the git remote and the credential helper, then finds the app through the remote', async () => {
    const out = ok(await slipway(['git:remote', '-a', 'cli-app']));
    const url = `${cp.url}/cli-app.git`;
    expect(out).toContain(`Added git remote slipway: ${url}`);
    const git = async (...args: string[]) => (await exec('git', args, { cwd: repo })).stdout;
    expect((await git('remote', 'get-url', 'slipway')).trim()).toBe(url);
    const helpers = (await git('config', '--local', '--get-all', `credential.${url}.helper`)).split('\n');
    expect(helpers).toEqual(['', "!/usr/bin/node '/opt/slipway cli/main.js' git:credentials", '']);
    // the token is nowhere in the repository's config
    expect(await readFile(join(repo, '.git', 'config'), 'utf8')).not.toContain(cp.adminToken);

    // running it again changes nothing
    expect(ok(await slipway(['git:remote', '-a', 'cli-app']))).toContain('Kept git remote slipway');
    expect((await git('config', '--local', '--get-all', `credential.${url}.helper`)).split('\n')).toHaveLength(3);

    // no -a: the `slipway` remote names the app
    expect(JSON.parse(ok(await slipway(['config', '--json'])))).toHaveProperty('DATABASE_URL');
    expect(ok(await slipway(['apps:info']))).toContain('=== cli-app');
    // SLIPWAY_APP and -a take precedence over the remote
    failure(await slipway(['apps:info'], { env: { SLIPWAY_APP: 'other-app' } }), /Couldn't find that app: other-app/);

    // the hidden helper answers git with the token
    expect(ok(await slipway(['git:credentials', 'get'], { stdin: `protocol=http\nhost=127.0.0.1\n\n` }))).toBe(
      `username=slipway\npassword=${cp.adminToken}\n`,
    );
    expect(ok(await slipway(['git:credentials', 'store'], { stdin: 'protocol=http\n\n' }))).toBe('');
  });

  it('shows and switches maintenance mode', async () => {
    ok(await slipway(['apps:create', 'cli-resting']));
    expect(ok(await slipway(['maintenance', '-a', 'cli-resting']))).toBe('off\n');
    expect(ok(await slipway(['maintenance:on', '-a', 'cli-resting']))).toBe('Enabling maintenance mode for cli-resting... done\n');
    expect(JSON.parse(ok(await slipway(['maintenance', '-a', 'cli-resting', '--json'])))).toEqual({ maintenance: true });
    expect(ok(await slipway(['maintenance:off', '-a', 'cli-resting']))).toBe('Disabling maintenance mode for cli-resting... done\n');
    expect(ok(await slipway(['maintenance', '-a', 'cli-resting']))).toBe('off\n');
  });

  it('renames an app; the slipway remote follows only when it deployed the old name', async () => {
    const git = async (...args: string[]) => (await exec('git', args, { cwd: repo })).stdout.trim();
    const url = (app: string) => `${cp.url}/${app}.git`;
    // the remote deploys cli-app: renaming another app leaves it alone
    expect(ok(await slipway(['apps:rename', 'cli-moved', '-a', 'cli-resting']))).toBe(
      `Renaming cli-resting to cli-moved... done\nhttp://cli-moved.localhost/ | ${url('cli-moved')}\n`,
    );
    expect(await git('remote', 'get-url', 'slipway')).toBe(url('cli-app'));
    failure(await slipway(['apps:rename', 'cli-moved', '-a', 'cli-app']), /Name cli-moved is already taken/);
    expect(await git('remote', 'get-url', 'slipway')).toBe(url('cli-app'));

    // the app the remote deploys (found through it): the remote and git's credential helper follow
    expect(ok(await slipway(['apps:rename', 'cli-app-renamed']))).toContain('Git remote slipway updated');
    expect(await git('remote', 'get-url', 'slipway')).toBe(url('cli-app-renamed'));
    expect(await git('config', '--local', '--get-all', `credential.${url('cli-app-renamed')}.helper`)).toBe("!/usr/bin/node '/opt/slipway cli/main.js' git:credentials");
    expect(ok(await slipway(['apps:info']))).toContain('=== cli-app-renamed');
    // and back, for the tests after this one
    ok(await slipway(['apps:rename', 'cli-app']));
    expect(await git('remote', 'get-url', 'slipway')).toBe(url('cli-app'));
  });

  it('keeps operator commands from other users: forbidden', async () => {
    const created = ok(await slipway(['users:create', 'bob@example.com']));
    const token = /API token \(shown only now\): (slw_\S+)/.exec(created)?.[1];
    expect(created).toMatch(/^Created user bob@example\.com \(/);
    expect(token).toBeDefined();
    const asBob = { env: { SLIPWAY_API_TOKEN: token! } };
    expect(ok(await slipway(['whoami'], asBob))).toBe('bob@example.com\n');
    failure(await slipway(['hosts'], asBob), /^Error: This action is for operators only\.\n$/);
    failure(await slipway(['users:create', 'eve@example.com'], asBob), /operators only/);
    // and bob does not see the operator's app
    expect(ok(await slipway(['apps'], asBob))).toBe('You have no apps.\n');
    failure(await slipway(['config', '-a', 'cli-app'], asBob), /You do not have access to the app cli-app/);

    expect(ok(await slipway(['hosts']))).toBe('No hosts.\n');
    // no host provider here: the CLI shows exactly what the API says (whatever the status)
    const direct = await apiClient(cp.url, cp.adminToken)('POST', '/hosts', { count: 2 });
    expect(direct.status).toBeGreaterThanOrEqual(500);
    expect(failure(await slipway(['hosts:add', '2']), /^Error: /)).toBe(`Error: ${direct.body.message}\n`);
    failure(await slipway(['hosts:remove', 'nope']), /Couldn't find that host \(nope\)/);
    failure(await slipway(['addons:move', 'nope', '--host', 'h2']), /Couldn't find that add-on: nope\./);
    failure(await slipway(['addons:move', 'nope'], asBob), /This action is for operators only\./);
    expect(ok(await slipway(['users'])).split('\n')[2]).toMatch(/^admin@slipway\.local\s+yes\s+/);
  });

  it("lets an operator disable and enable a user and revoke their tokens; others may not", async () => {
    const created = JSON.parse(ok(await slipway(['users:create', 'carol@example.com', '--json'])));
    const asCarol = { env: { SLIPWAY_API_TOKEN: created.token as string } };
    const second = JSON.parse(ok(await slipway(['tokens:create', '--description', 'laptop', '--json'], asCarol)));
    failure(await slipway(['users:disable', 'admin@slipway.local'], asCarol), /^Error: This action is for operators only\.\n$/);
    failure(await slipway(['users:tokens:revoke', 'admin@slipway.local', '--all'], asCarol), /operators only/);

    expect(ok(await slipway(['users:disable', 'carol@example.com']))).toBe('Disabled carol@example.com: their tokens are refused until the account is enabled again.\n');
    expect(ok(await slipway(['users']))).toMatch(/^carol@example\.com\s+no\s+disabled\s+/m);
    for (const token of [created.token, second.token]) {
      failure(await slipway(['whoami'], { env: { SLIPWAY_API_TOKEN: token } }), /^Error: The account carol@example\.com is disabled: its tokens are refused\. Ask an operator to enable it\.\n$/);
    }
    failure(await slipway(['users:disable', 'admin@slipway.local']), /You cannot disable your own account/);
    expect(ok(await slipway(['users:enable', 'carol@example.com']))).toBe('Enabled carol@example.com.\n');
    expect(ok(await slipway(['whoami'], asCarol))).toBe('carol@example.com\n');

    const listed = ok(await slipway(['users:tokens', 'carol@example.com']));
    expect(listed).toMatch(new RegExp(`^${second.id}\\s+laptop\\s+`, 'm'));
    expect(ok(await slipway(['users:tokens:revoke', 'carol@example.com', second.id]))).toBe(`Revoked token ${second.id} of carol@example.com\n`);
    failure(await slipway(['whoami'], { env: { SLIPWAY_API_TOKEN: second.token } }), /^Error: Invalid credentials provided\.\n$/);
    ok(await slipway(['whoami'], asCarol));
    failure(await slipway(['users:tokens:revoke', 'carol@example.com']), /Name a token id, or --all/);
    expect(ok(await slipway(['users:tokens:revoke', 'carol@example.com', '--all']))).toBe('Revoked 1 token of carol@example.com\n');
    failure(await slipway(['whoami'], asCarol), /^Error: Invalid credentials provided\.\n$/);
    expect(ok(await slipway(['users:tokens', 'carol@example.com']))).toBe('carol@example.com has no tokens.\n');
  });

  it('creates, lists and revokes tokens; a revoked token is refused', async () => {
    const created = JSON.parse(ok(await slipway(['tokens:create', '--description', 'ci', '--json'])));
    expect(created.token).toMatch(/^slw_/);
    const listed = ok(await slipway(['tokens']));
    expect(listed).toMatch(new RegExp(`^${created.id}\\s+ci\\s+`, 'm'));
    expect(listed).not.toContain(created.token);
    expect(ok(await slipway(['whoami'], { env: { SLIPWAY_API_TOKEN: created.token } }))).toContain('admin@slipway.local');
    expect(ok(await slipway(['tokens:revoke', created.id]))).toBe(`Revoked token ${created.id}\n`);
    failure(await slipway(['whoami'], { env: { SLIPWAY_API_TOKEN: created.token } }), /^Error: Invalid credentials provided\.\n$/);
  });

  it('adds, shows and removes an SSL certificate for a custom domain', async () => {
    ok(await slipway(['domains:add', 'shop.example.com', '-a', 'cli-app']));
    await exec('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(home, 'shop.key'), '-out', join(home, 'shop.crt'), '-days', '30', '-subj', '/CN=shop.example.com', '-addext', 'subjectAltName=DNS:shop.example.com']);
    expect(ok(await slipway(['certs', '-a', 'cli-app']))).toBe('cli-app has no SSL certificates (slipway certs:add CRT KEY adds one).\n');
    const added = ok(await slipway(['certs:add', join(home, 'shop.crt'), join(home, 'shop.key'), '-a', 'cli-app']));
    expect(added).toMatch(/Common names:\s+shop\.example\.com/);
    expect(added).toMatch(/Serves:\s+shop\.example\.com/);
    expect(added).toMatch(/Trusted:\s+no \(self-signed or unknown authority\)/);
    expect(ok(await slipway(['certs', '-a', 'cli-app']))).toMatch(/^\S+\s+shop\.example\.com\s+\d{4}-\d\d-\d\d .*\s+no\s+shop\.example\.com$/m);
    expect(ok(await slipway(['domains', '-a', 'cli-app']))).toMatch(/^shop\.example\.com\s+custom\s+cli-app\.localhost\s+\S+$/m);
    expect(ok(await slipway(['certs:info', '-a', 'cli-app']))).toMatch(/Issuer:\s+\/CN=shop\.example\.com/);
    failure(await slipway(['certs:add', join(home, 'shop.crt'), join(home, 'missing.key'), '-a', 'cli-app']), /ENOENT|no such file/);
    failure(await slipway(['certs:remove', '-a', 'cli-app']), /To proceed, run again with --confirm cli-app/);
    expect(ok(await slipway(['certs:remove', '--confirm', 'cli-app', '-a', 'cli-app']))).toMatch(/^Removed certificate \S+ from cli-app\n$/);
    expect(JSON.parse(ok(await slipway(['certs', '-a', 'cli-app', '--json'])))).toEqual([]);
    ok(await slipway(['domains:remove', 'shop.example.com', '-a', 'cli-app']));
  });

  it('shares an app, works in a team and moves apps between users and teams', async () => {
    const admin = apiClient(cp.url, cp.adminToken);
    const asUser = async (email: string) => ({ env: { SLIPWAY_API_TOKEN: (await admin('POST', '/users', { email })).body.token as string } });
    const [kim, lee] = [await asUser('kim@example.com'), await asUser('lee@example.com')];
    expect(ok(await slipway(['access:add', 'kim@example.com', '-a', 'cli-app']))).toBe('kim@example.com is a collaborator on cli-app\n');
    expect(ok(await slipway(['access', '-a', 'cli-app'])).split('\n').slice(0, 4)).toEqual([
      expect.stringMatching(/^EMAIL\s+ROLE$/),
      expect.stringMatching(/^-+\s+-+$/),
      expect.stringMatching(/^admin@slipway\.local\s+owner$/),
      expect.stringMatching(/^kim@example\.com\s+collaborator$/),
    ]);
    failure(await slipway(['access:add', 'lee@example.com', '-a', 'cli-app'], kim), /Only the owner of cli-app \(or an admin of its team\)/);
    expect(ok(await slipway(['access:remove', 'kim@example.com', '-a', 'cli-app'], kim))).toBe('kim@example.com no longer has access to cli-app\n');

    expect(ok(await slipway(['teams'], kim))).toBe('You are in no teams (slipway teams:create <name> makes one).\n');
    expect(ok(await slipway(['teams:create', 'crew'], kim))).toContain('Created team crew');
    expect(ok(await slipway(['members:add', 'lee@example.com', '--role', 'viewer', '-t', 'crew'], kim))).toBe('lee@example.com is a viewer of crew\n');
    failure(await slipway(['apps:create', 'crew-app', '-t', 'crew'], lee), /Viewers of crew cannot create or move apps into it/);
    expect(ok(await slipway(['members:set', 'lee@example.com', '--role', 'member', '-t', 'crew'], kim))).toBe('lee@example.com is a member of crew\n');
    expect(ok(await slipway(['apps:create', 'crew-app', '-t', 'crew'], lee))).toContain('Created crew-app');
    expect(ok(await slipway(['apps', '-t', 'crew'], kim))).toMatch(/^crew-app\s+team crew\s+/m);
    expect(ok(await slipway(['apps:info', '-a', 'crew-app'], lee))).toMatch(/Team:\s+crew/);
    expect(JSON.parse(ok(await slipway(['members', '-t', 'crew', '--json'], lee))).map((m: { email: string; role: string }) => `${m.email} ${m.role}`)).toEqual([
      'kim@example.com admin',
      'lee@example.com member',
    ]);
    // Out of the team to a member, and a personal app offered to a user who accepts.
    expect(ok(await slipway(['apps:transfer', 'lee@example.com', '-a', 'crew-app'], kim))).toBe('crew-app now belongs to lee@example.com\n');
    expect(ok(await slipway(['apps:transfer', 'kim@example.com', '-a', 'crew-app'], lee))).toContain('crew-app is offered to kim@example.com');
    expect(ok(await slipway(['apps:transfers'], kim))).toMatch(/^crew-app\s+lee@example\.com\s+kim@example\.com$/m);
    expect(ok(await slipway(['apps:transfers:accept', 'crew-app'], kim))).toBe('crew-app is yours now\n');
    expect(ok(await slipway(['apps:transfer', 'crew', '-a', 'crew-app'], kim))).toBe('crew-app now belongs to team crew\n');
    failure(await slipway(['teams:destroy', 'crew'], kim), /crew still owns crew-app/);
    ok(await slipway(['apps:destroy', '-a', 'crew-app', '--confirm', 'crew-app'], kim));
    expect(ok(await slipway(['members:remove', 'lee@example.com', '-t', 'crew'], kim))).toBe('lee@example.com is no longer a member of crew\n');
    expect(ok(await slipway(['teams:destroy', 'crew'], kim))).toBe('Deleted team crew\n');
  });

  it('destroys an app only with a matching --confirm', async () => {
    failure(await slipway(['apps:destroy', '-a', 'cli-app']), /To proceed, run again with --confirm cli-app/);
    failure(await slipway(['apps:destroy', '-a', 'cli-app', '--confirm', 'other']), /--confirm cli-app/);
    ok(await slipway(['apps:info', '-a', 'cli-app']));
    expect(ok(await slipway(['apps:destroy', '-a', 'cli-app', '--confirm', 'cli-app']))).toBe('Destroyed cli-app\n');
    failure(await slipway(['apps:info', '-a', 'cli-app']), /Couldn't find that app: cli-app/);
  });

  it('reports usage errors through commander, with exit code 1', async () => {
    const unknown = await slipway(['apps:craete', 'x']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown command 'apps:craete'/);
    expect(unknown.stderr).toMatch(/Did you mean apps:create\?/);
    const missing = await slipway(['apps:create']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/missing required argument 'name'/);
    const help = await slipway(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('ps:scale');
    expect(help.stdout).not.toContain('git:credentials');
  });

  it("mounts the operators' infra commands", async () => {
    const help = await slipway(['infra', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/preview[\s\S]*up[\s\S]*destroy/);
    // refused before anything touches Pulumi or AWS
    const destroy = await slipway(['infra', 'destroy', '--stack', 'cli-test']);
    expect(destroy.code).not.toBe(0);
    expect(destroy.stderr).toMatch(/--confirm cli-test/);
  });

  it('says when the API cannot be reached', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    failure(await slipway(['apps'], { env: { SLIPWAY_API_URL: closed } }), /Not logged in/); // the stored token is not for that API
    failure(
      await slipway(['apps'], { env: { SLIPWAY_API_URL: closed, SLIPWAY_API_TOKEN: 'slw_x' } }),
      new RegExp(`^Error: Could not reach the API at ${closed} \\(ECONNREFUSED\\)\\.\\n$`),
    );
  });

  it('logs out', async () => {
    expect(ok(await slipway(['logout']))).toBe('Logged out\n');
    await expect(stat(credentialsFile)).rejects.toThrow(/ENOENT/);
    expect(ok(await slipway(['logout']))).toBe('Not logged in\n');
    failure(await slipway(['apps']), /Not logged in/);
    // the environment alone is enough
    expect(ok(await slipway(['whoami'], { env: { SLIPWAY_API_URL: cp.url, SLIPWAY_API_TOKEN: cp.adminToken } }))).toContain('admin@slipway.local');
  });
});
