import { describe, expect, it } from 'vitest';
import { appFromGitUrl, credentialHelperCommands, credentialHelperValue, credentialResponse, gitCommands } from './git.js';

describe('git commands as data', () => {
  const url = 'http://127.0.0.1:5780/hello.git';

  it('builds remote commands as argv arrays', () => {
    expect(gitCommands.remoteUrl('slipway')).toEqual(['git', 'remote', 'get-url', 'slipway']);
    expect(gitCommands.addRemote('slipway', url)).toEqual(['git', 'remote', 'add', 'slipway', url]);
    expect(gitCommands.setRemoteUrl('prod', url)).toEqual(['git', 'remote', 'set-url', 'prod', url]);
  });

  it('resets helpers for the URL, then adds ours, in the repository only', () => {
    expect(credentialHelperCommands(url, ['/usr/bin/node', '/opt/slipway/dist/cli/main.js'])).toEqual([
      ['git', 'config', '--local', '--unset-all', `credential.${url}.helper`],
      ['git', 'config', '--local', '--add', `credential.${url}.helper`, ''],
      ['git', 'config', '--local', '--add', `credential.${url}.helper`, '!/usr/bin/node /opt/slipway/dist/cli/main.js git:credentials'],
    ]);
  });

  it('quotes the helper words git hands to the shell', () => {
    expect(credentialHelperValue(['/usr/bin/node', "/home/o'neil/my tools/main.js"])).toBe(
      "!/usr/bin/node '/home/o'\\''neil/my tools/main.js' git:credentials",
    );
  });

  it('finds the app in a git URL', () => {
    expect(appFromGitUrl(url)).toBe('hello');
    expect(appFromGitUrl('https://git.example.com/my-app-2.git\n')).toBe('my-app-2');
    expect(appFromGitUrl('git@github.com:someone/Project.git')).toBeNull();
    expect(appFromGitUrl('https://example.com/')).toBeNull();
  });

  it('answers get with a user name and the token as the password', () => {
    expect(credentialResponse('slw_abc_def')).toBe('username=slipway\npassword=slw_abc_def\n');
    expect(() => credentialResponse('a\nb')).toThrow();
  });
});
