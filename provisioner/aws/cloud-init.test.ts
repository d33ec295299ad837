// The user-data building blocks: JSON under #cloud-config, argv-only commands, and lines
// that are checked rather than escaped. Also proves the validators used elsewhere can fail.
import { expect, test } from 'vitest';
import { thrown } from '../../test/support/thrown.js';
import { envFile, parseCloudConfig, renderCloudConfig, systemdCommandLine, systemdUnit, UserDataError } from './cloud-init.js';
import { validateCloudConfig, verifyUnits } from './testing/host-validators.js';

test('renders a cloud-config document that parses back, with defaults filled in', () => {
  const text = renderCloudConfig({
    packages: ['docker.io'],
    files: [{ path: '/etc/x', content: 'a "quoted"\nvalue: with yaml-ish {text}', permissions: '0600' }],
    commands: [['systemctl', 'daemon-reload']],
  });
  expect(text.startsWith('#cloud-config\n{')).toBe(true);
  expect(parseCloudConfig(text)).toEqual({
    package_update: true,
    package_upgrade: false,
    packages: ['docker.io'],
    write_files: [{ path: '/etc/x', content: 'a "quoted"\nvalue: with yaml-ish {text}', permissions: '0600', owner: 'root:root', defer: false }],
    runcmd: [['systemctl', 'daemon-reload']],
  });
});

test('refuses relative paths, duplicate files and bad modes', () => {
  const file = { path: '/etc/x', content: '', permissions: '0644' };
  expect(() => renderCloudConfig({ packages: [], files: [{ ...file, path: 'etc/x' }], commands: [] })).toThrow(UserDataError);
  expect(() => renderCloudConfig({ packages: [], files: [file, file], commands: [] })).toThrow(/twice/);
  expect(() => renderCloudConfig({ packages: [], files: [{ ...file, permissions: '644' }], commands: [] })).toThrow(UserDataError);
});

test('systemd command lines take only arguments that mean what they say', () => {
  expect(systemdCommandLine(['/usr/bin/docker', 'run', '--name', 'x', 'repo/image:1.0'])).toBe('/usr/bin/docker run --name x repo/image:1.0');
  for (const bad of ['two words', 'quote"', '$HOME', '%h', 'semi;colon', "it's", 'back\\slash', '']) {
    expect(() => systemdCommandLine(['/usr/bin/true', bad])).toThrow(UserDataError);
  }
  expect(() => systemdCommandLine(['docker', 'run'])).toThrow(/absolute/);
  expect(systemdUnit({ Service: [['ExecStart', ''], ['ExecStart', '/bin/true']] })).toBe('[Service]\nExecStart=\nExecStart=/bin/true\n');
  expect(() => systemdUnit({ Service: [['ExecStart', '/bin/true\nExecStartPost=/bin/evil']] })).toThrow(UserDataError);
});

test('env files are literal lines; a value with a line break is refused without echoing it', () => {
  expect(envFile({ A: 'x=y "z"', B_2: '' })).toBe('A=x=y "z"\nB_2=\n');
  expect(() => envFile({ lower: 'x' })).toThrow(UserDataError);
  expect(() => envFile({ SECRET: 'top-secret\nINJECTED=1' })).toThrow(/SECRET holds a line break/);
  const error = thrown(() => envFile({ SECRET: 'top-secret\nINJECTED=1' }));
  expect(error).toBeInstanceOf(UserDataError);
  expect(error.message).not.toContain('top-secret');
});

test('the validators reject what is wrong (so their approval means something)', async () => {
  const invalid = await validateCloudConfig('#cloud-config\n{"packages": 5, "write_files": [{"path": 3}]}\n');
  expect(invalid.valid).toBe(false);
  expect(invalid.output).toMatch(/packages: 5 is not of type 'array'/);
  const problems = await verifyUnits({ 'bad.service': '[Service]\nExecStart=/bin/true\nNoSuchKey=1\n' }, []);
  expect(problems.join('\n')).toMatch(/Unknown key name 'NoSuchKey'|Unknown key 'NoSuchKey'/);
});
