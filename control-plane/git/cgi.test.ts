import { describe, expect, it } from 'vitest';
import { cgiEnv, parseCgiHeaders } from './cgi.js';
import { planPushBuild } from './handlers.js';
import { pushedObjectsEnv } from './pushed-commit.js';
import { chooseUpdate, parseRefUpdates } from './ref-updates.js';

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

describe('parseRefUpdates', () => {
  const a = 'a'.repeat(40);
  const b = 'b'.repeat(64);
  it('reads git\'s `<old> <new> <ref>` lines, SHA-1 or SHA-256', () => {
    expect(parseRefUpdates(`${a} ${b} refs/heads/main\n\n`)).toEqual([{ oldRev: a, newRev: b, ref: 'refs/heads/main' }]);
    expect(parseRefUpdates('')).toEqual([]);
  });

  it('refuses a line git would not write: never an option where an object name goes', () => {
    for (const line of [`${a} --remote=x refs/heads/main`, `${a} ${a}`, `${a} ${a} main`, `${a} ${a} refs/heads/main extra`, `${a.slice(1)} ${a} refs/heads/main`]) {
      expect(parseRefUpdates(line)).toEqual({ error: expect.stringMatching(/would not write/) });
    }
  });
});

describe('pushedObjectsEnv', () => {
  it('reads the quarantine first, then the repository\'s objects', () => {
    expect(pushedObjectsEnv('/srv/git/app1.git', '/srv/git/app1.git/objects/tmp_objdir-incoming-Ab12_x')).toEqual({
      GIT_DIR: '/srv/git/app1.git',
      GIT_OBJECT_DIRECTORY: '/srv/git/app1.git/objects/tmp_objdir-incoming-Ab12_x',
      GIT_ALTERNATE_OBJECT_DIRECTORIES: '/srv/git/app1.git/objects',
    });
    expect(pushedObjectsEnv('/srv/git/app1.git', '')).toEqual({ GIT_DIR: '/srv/git/app1.git' });
  });

  it('refuses a quarantine outside the app\'s own repository', () => {
    for (const path of ['/srv/git/app2.git/objects/tmp_objdir-incoming-Ab12', '/srv/git/app1.git/objects/../../app2.git/objects/incoming-x', '/srv/git/app1.git/objects/pack', '/tmp/incoming-x']) {
      expect(pushedObjectsEnv('/srv/git/app1.git', path)).toEqual({ refused: expect.stringMatching(/outside/) });
    }
  });
});

describe('planPushBuild', () => {
  const a = 'a'.repeat(40);
  const zero = '0'.repeat(40);
  it('builds the new commit of main from the quarantine', () => {
    expect(planPushBuild(`/g/x.git/objects/incoming-1\n${zero} ${a} refs/heads/main\n`, '/g/x.git')).toEqual({
      rev: a,
      objectsEnv: { GIT_DIR: '/g/x.git', GIT_OBJECT_DIRECTORY: '/g/x.git/objects/incoming-1', GIT_ALTERNATE_OBJECT_DIRECTORIES: '/g/x.git/objects' },
    });
  });

  it('refuses what chooseUpdate refuses, a malformed update and a foreign quarantine', () => {
    expect(planPushBuild(`\n${zero} ${a} refs/heads/feature\n`, '/g/x.git')).toEqual({ refuse: expect.stringMatching(/only main/) });
    expect(planPushBuild('', '/g/x.git')).toEqual({ refuse: 'Nothing to deploy.' });
    expect(planPushBuild(`\n${zero} -x refs/heads/main\n`, '/g/x.git')).toEqual({ refuse: expect.stringMatching(/would not write/) });
    expect(planPushBuild(`/g/y.git/objects/incoming-1\n${zero} ${a} refs/heads/main\n`, '/g/x.git')).toEqual({ refuse: expect.stringMatching(/outside/) });
  });
});
