import { describe, expect, it } from 'vitest';
import { appNameProblem, hostnameProblem, ipLiteralProblem, processTypeProblem } from './names.js';

describe('appNameProblem', () => {
  it.each(['hello', 'my-app-2', 'abc', 'a'.repeat(30)])('accepts %s', (name) => {
    expect(appNameProblem(name)).toBeNull();
  });

  it.each([
    ['ab', /between 3 and 30/],
    ['a'.repeat(31), /between 3 and 30/],
    ['Hello', /lowercase/],
    ['1app', /start with a letter/],
    ['my_app', /lowercase letters, digits and dashes/],
    ['app-', /end with a letter or digit/],
    ['my.app', /dashes/],
  ])('rejects %s', (name, why) => {
    expect(appNameProblem(name)).toMatch(why);
  });

  it('rejects non-strings', () => {
    expect(appNameProblem(42)).toMatch(/string/);
    expect(appNameProblem(undefined)).toMatch(/string/);
  });
});

describe('processTypeProblem', () => {
  it('accepts Procfile-style names and rejects others', () => {
    expect(processTypeProblem('web')).toBeNull();
    expect(processTypeProblem('worker_2')).toBeNull();
    expect(processTypeProblem('Web')).not.toBeNull();
    expect(processTypeProblem('')).not.toBeNull();
  });
});

describe('hostnameProblem', () => {
  it('accepts DNS names and rejects malformed ones', () => {
    expect(hostnameProblem('www.example.com')).toBeNull();
    expect(hostnameProblem('localhost')).toMatch(/two labels/);
    expect(hostnameProblem('-bad.example.com')).toMatch(/labels/);
    expect(hostnameProblem('a..b')).toMatch(/labels/);
  });
});

describe('ipLiteralProblem', () => {
  it('finds IPv4 and IPv6 addresses in the forms URL parsers accept, and lets names with digits through', () => {
    for (const address of ['10.0.0.1', '10.0.0.1.', '127.1', '2130706433', '0x7f.0.0.1', '::1', '[::1]', 'fe80::1', '[::ffff:10.0.0.1]']) {
      expect(ipLiteralProblem(address)).toMatch(/is an IP address/);
    }
    for (const name of ['www.example.com', '10.0.0.1.example.com', '1password.com', 'a1.b2.c3x']) expect(ipLiteralProblem(name)).toBeNull();
  });
});
