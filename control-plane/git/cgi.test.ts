import { describe, expect, it } from 'vitest';
import { cgiEnv, parseCgiHeaders } from './cgi.js';
import { chooseUpdate } from './pre-receive-hook.js';
import { preReceiveHook } from './repos.js';

describe('git http-backend CGI', () => {
  it('maps the request to CGI variables, headers only when present', () => {
    const env = cgiEnv(
      {
        method: 'POST',
        pathInfo: '/hello.git/git-receive-pack',
        query: '',
        headers: { 'content-type': 'application/x-git-receive-pack-request', 'content-encoding': 'gzip' },
        remoteUser: 'admin@slipway.local',
        remoteAddr: '127.0.0.1',
      },
      '/srv/git',
      { SLIPWAY_PUSH_TOKEN: 't' },
    );
    expect(env).toMatchObject({
      GIT_PROJECT_ROOT: '/srv/git',
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: 'POST',
      PATH_INFO: '/hello.git/git-receive-pack',
      REMOTE_USER: 'admin@slipway.local',
      CONTENT_TYPE: 'application/x-git-receive-pack-request',
      HTTP_CONTENT_ENCODING: 'gzip',
      SLIPWAY_PUSH_TOKEN: 't',
    });
    expect(env).not.toHaveProperty('CONTENT_LENGTH');
  });

  it('parses CGI headers and status', () => {
    expect(parseCgiHeaders('Status: 404 Not Found\r\nContent-Type: text/plain')).toEqual({
      status: 404,
      headers: [['Content-Type', 'text/plain']],
    });
    expect(parseCgiHeaders('Content-Type: application/x-git-receive-pack-result\nExpires: x').status).toBe(200);
  });

  it('writes a hook that execs node on the hook script, quoting paths', () => {
    expect(preReceiveHook('/usr/bin/node', "/opt/it's/hook.js")).toBe("#!/bin/sh\nexec '/usr/bin/node' '/opt/it'\\''s/hook.js'\n");
  });
});

describe('chooseUpdate (pre-receive)', () => {
  const sha = 'a'.repeat(40);
  const zero = '0'.repeat(40);
  it('deploys main or master', () => {
    expect(chooseUpdate([{ oldRev: zero, newRev: sha, ref: 'refs/heads/main' }])).toEqual({
      deploy: { oldRev: zero, newRev: sha, ref: 'refs/heads/main' },
    });
    expect(chooseUpdate([{ oldRev: zero, newRev: sha, ref: 'refs/heads/master' }])).toHaveProperty('deploy');
  });

  it('refuses other branches, deletions and double pushes', () => {
    expect(chooseUpdate([{ oldRev: zero, newRev: sha, ref: 'refs/heads/feature' }])).toEqual({
      refuse: expect.stringMatching(/only main/),
    });
    expect(chooseUpdate([{ oldRev: sha, newRev: zero, ref: 'refs/heads/main' }])).toEqual({ refuse: expect.stringMatching(/Deleting/) });
    expect(
      chooseUpdate([
        { oldRev: zero, newRev: sha, ref: 'refs/heads/main' },
        { oldRev: zero, newRev: sha, ref: 'refs/heads/master' },
      ]),
    ).toEqual({ refuse: expect.stringMatching(/not both/) });
  });
});
