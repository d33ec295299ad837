// The CLI's side of self-service accounts: signup, login with email and password, password reset.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { recordingMailer, secretIn } from '../../test/support/recording-mailer.js';
import { inProcessCli } from '../testing/cli-harness.js';

describe('slipway signup, login --email, password:reset', () => {
  let cp: TestControlPlane;
  let home: string;
  let slipway: ReturnType<typeof inProcessCli>;
  const mailer = recordingMailer();

  beforeAll(async () => {
    cp = await startTestControlPlane({ SLIPWAY_SIGNUP: 'invite' }, { accountMailer: mailer });
    home = await mkdtemp(join(tmpdir(), 'slipway-cli-accounts-'));
    slipway = inProcessCli({ home, cwd: home, env: { SLIPWAY_API_URL: cp.url } });
  });
  afterAll(async () => {
    await cp?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('an operator invites, the invited user signs up, confirms, logs in and works', async () => {
    const invited = await slipway(['users:invite', 'grace@example.com'], { env: { SLIPWAY_API_TOKEN: cp.adminToken } });
    expect(invited.stderr).toBe('');
    expect(invited.stdout).toMatch(/^Invited grace@example\.com: the invitation works until /);
    const invitation = secretIn(mailer.last('grace@example.com'), /--invitation (\S+)/);

    const refused = await slipway(['signup', 'grace@example.com'], { stdin: 'correct horse battery\n' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Sign-up is by invitation/);
    const signedUp = await slipway(['signup', 'grace@example.com', '--invitation', invitation], { stdin: 'correct horse battery\n' });
    expect(signedUp.stderr).toBe('');
    expect(signedUp.stdout).toBe('Check grace@example.com for a link that confirms the address.\n');

    const unconfirmed = await slipway(['login', '--email', 'grace@example.com'], { stdin: 'correct horse battery\n' });
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toMatch(/Confirm your email first/);
    const link = secretIn(mailer.last('grace@example.com'), /(http\S+\/signup\/verify\?token=\S+)/);
    expect((await fetch(link)).status).toBe(200);

    const wrong = await slipway(['login', '--email', 'grace@example.com'], { stdin: 'not my password\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/Invalid credentials provided/);
    const loggedIn = await slipway(['login', '--email', 'grace@example.com'], { stdin: 'correct horse battery\n' });
    expect(loggedIn.stderr).toBe('');
    expect(loggedIn.stdout).toBe(`Logged in to ${cp.url} as grace@example.com\n`);
    expect((await slipway(['whoami'])).stdout).toBe('grace@example.com\n');
    // The stored token is a real one of hers, named after the login.
    const tokens = await slipway(['tokens', '--json']);
    expect(JSON.parse(tokens.stdout).map((t: { description: string }) => t.description)).toEqual([expect.stringMatching(/^slipway CLI login from /)]);
  });

  it('resets a forgotten password by the mailed token', async () => {
    const asked = await slipway(['password:reset', 'grace@example.com']);
    expect(asked.stdout).toBe('If grace@example.com has an account, an email is on its way with what to do.\n');
    const token = secretIn(mailer.last('grace@example.com'), /--token (\S+)/);
    const reset = await slipway(['password:reset', '--token', token], { stdin: 'a whole new password\n' });
    expect(reset.stderr).toBe('');
    expect(reset.stdout).toBe('New password set for grace@example.com: log in with slipway login --email grace@example.com\n');
    expect((await slipway(['login', '--email', 'grace@example.com'], { stdin: 'correct horse battery\n' })).code).toBe(1);
    expect((await slipway(['login', '--email', 'grace@example.com'], { stdin: 'a whole new password\n' })).code).toBe(0);
    // The admin sees her account like any other.
    const users = await apiClient(cp.url, cp.adminToken)('GET', '/users');
    expect(users.body.map((u: { email: string }) => u.email)).toContain('grace@example.com');
  });
});
