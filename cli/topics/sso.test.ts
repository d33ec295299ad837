// `slipway login --sso` run in-process against a control plane and a real OpenID Connect
// provider, the test playing the browser the URL is opened in: a user the platform does not
// know yet gets an account (auto-provisioning, the default) and is logged in.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../common/ports.js';
import { startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { startTestIdp, TestBrowser, type TestIdp } from '../../test/support/oidc-idp.js';
import { inProcessCli } from '../testing/cli-harness.js';

describe('slipway login --sso', () => {
  let cp: TestControlPlane;
  let plain: TestControlPlane;
  let idp: TestIdp;
  let home: string;
  let slipway: ReturnType<typeof inProcessCli>;

  beforeAll(async () => {
    const port = await freePort();
    idp = await startTestIdp(`http://127.0.0.1:${port}/auth/sso/callback`, { newbie: { email: 'newbie@example.com', email_verified: true } });
    [cp, plain] = await Promise.all([startTestControlPlane({ SLIPWAY_API_PORT: String(port), ...idp.env }), startTestControlPlane()]);
    home = await mkdtemp(join(tmpdir(), 'slipway-cli-sso-'));
    slipway = inProcessCli({ home, cwd: home });
  });
  afterAll(async () => {
    await Promise.all([cp?.stop(), plain?.stop()]);
    await idp?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('makes the account of a new IdP user and logs it in while the browser signs in', async () => {
    const browser = new TestBrowser(idp.ca);
    let opened: Promise<{ status: number; body: string }> | null = null;
    const login = await slipway(['login', '--sso', '--api', cp.url], {
      onStderr: (all) => {
        const url = /^ {2}(http\S+)$/m.exec(all)?.[1];
        if (url && !opened) opened = browser.signIn(url, 'newbie');
      },
    });
    expect(opened).not.toBeNull();
    const page = await opened!;
    await browser.close();
    expect(page.status).toBe(200);
    expect(page.body).toContain('Logged in as newbie@example.com');
    expect(login.stderr).toMatch(/^Open this URL in a browser to log in \(it works until \S+\):\n {2}http:\/\/127\.0\.0\.1:\d+\/auth\/sso\/start\?session=\S+\n$/);
    expect(login.stdout).toBe(`Logged in to ${cp.url} as newbie@example.com\n`);
    expect(login.code).toBe(0);

    expect((await slipway(['whoami'])).stdout).toBe('newbie@example.com\n');
    const tokens = await slipway(['tokens', '--json']);
    expect(JSON.parse(tokens.stdout).map((t: { description: string }) => t.description)).toEqual([expect.stringMatching(/^slipway CLI login from .+ \(single sign-on\)$/)]);
  });

  it('says so when the platform has no single sign-on, and takes one way of logging in', async () => {
    const none = await slipway(['login', '--sso', '--api', plain.url]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/This platform has no single sign-on: log in with --email, or with a token\./);
    const both = await slipway(['login', '--sso', '--email', 'a@example.com', '--api', cp.url]);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/Log in one way: --email, --sso or --token\./);
  });
});
