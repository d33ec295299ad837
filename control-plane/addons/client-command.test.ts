import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { addonClientCommand, chooseAttachment } from './client-command.js';

const exec = promisify(execFile);
const pg = (name: string, addon: string) => ({ attachment: { name }, addon: { id: `id-${addon}`, name: addon, service: 'postgresql' as const } });
const redis = (name: string, addon: string) => ({ attachment: { name }, addon: { id: `id-${addon}`, name: addon, service: 'redis' as const } });

describe('which attachment an add-on client connects to', () => {
  const attached = [pg('HEROKU_POSTGRESQL_AMBER', 'postgresql-deep-11111'), pg('DATABASE', 'postgresql-quiet-22222'), redis('REDIS', 'redis-solid-33333')];

  it('takes the primary by default, else the only one, and refuses to guess between several', () => {
    expect(chooseAttachment(attached, 'postgresql', 'DATABASE')).toBe(attached[1]);
    expect(chooseAttachment([attached[0]!], 'postgresql', 'DATABASE')).toBe(attached[0]);
    expect(chooseAttachment([attached[0]!, pg('HEROKU_POSTGRESQL_RED', 'postgresql-deep-44444')], 'postgresql', 'DATABASE')).toEqual({ error: expect.stringContaining('HEROKU_POSTGRESQL_AMBER, HEROKU_POSTGRESQL_RED') });
    expect(chooseAttachment(attached, 'redis', 'REDIS')).toBe(attached[2]);
    expect(chooseAttachment([attached[2]!], 'postgresql', 'DATABASE')).toEqual({ error: 'The app has no postgresql add-on attached.' });
  });

  it('finds one by attachment name (with or without _URL, any case), add-on name or id, of the right service only', () => {
    expect(chooseAttachment(attached, 'postgresql', 'DATABASE', 'heroku_postgresql_amber_url')).toBe(attached[0]);
    expect(chooseAttachment(attached, 'postgresql', 'DATABASE', 'postgresql-quiet-22222')).toBe(attached[1]);
    expect(chooseAttachment(attached, 'postgresql', 'DATABASE', 'id-postgresql-deep-11111')).toBe(attached[0]);
    expect(chooseAttachment(attached, 'postgresql', 'DATABASE', 'REDIS')).toEqual({ error: expect.stringContaining('has no postgresql add-on "REDIS"') });
  });
});

describe('an add-on client’s command', () => {
  it('keeps what the user typed out of the command: SQL and Redis words go through the environment', () => {
    const sql = `SELECT 1; DROP TABLE "x" -- '$(reboot)'`;
    const psql = addonClientCommand('postgresql', 'DATABASE_URL', { sql });
    expect(psql.command).not.toContain('SELECT');
    expect(psql.env).toEqual({ SLIPWAY_PSQL_COMMAND: sql });
    expect(psql.command).toContain('-v ON_ERROR_STOP=1 -c "$SLIPWAY_PSQL_COMMAND"');
    expect(addonClientCommand('postgresql', 'DATABASE_URL').command).toMatch(/exec "\$bin\/psql"$/);
    expect(() => addonClientCommand('postgresql', 'DATABASE_URL"; reboot; "')).toThrow(/not a config var name/);
  });

  it('runs redis-cli with the URL’s host and port, the password only in its environment, each word one argument', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-client-'));
    try {
      // a stand-in redis-cli that shows what it was given
      await writeFile(join(dir, 'redis-cli'), '#!/bin/sh\nprintf "auth=%s\\n" "$REDISCLI_AUTH"\nfor a in "$@"; do printf "arg=%s\\n" "$a"; done\n');
      await chmod(join(dir, 'redis-cli'), 0o755);
      const words = ['SET', 'greeting', 'hello world; $(id)'];
      const { command, env } = addonClientCommand('redis', 'HEROKU_REDIS_AMBER_URL', { words });
      const { stdout } = await exec('/bin/bash', ['-c', command], { env: { PATH: `${dir}:/usr/bin:/bin`, HEROKU_REDIS_AMBER_URL: 'redis://:pa55-word_x@redis-quiet-12345:41234', ...env } });
      expect(stdout.split('\n').filter(Boolean)).toEqual(['auth=pa55-word_x', 'arg=--no-auth-warning', 'arg=-h', 'arg=redis-quiet-12345', 'arg=-p', 'arg=41234', 'arg=SET', 'arg=greeting', 'arg=hello world; $(id)']);
      expect(command).not.toContain('pa55');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
