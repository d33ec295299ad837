import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.js';
import { loadBuildpackRegistry, parseBuildpackRegistry } from './registry-file.js';

describe('the operator\'s buildpack registry file', () => {
  it('maps namespace/name to git or tarball URLs', () => {
    const text = JSON.stringify({ 'acme/ruby': 'https://git.example/ruby.git#v3', 'acme/php': 'https://dl.example/php.tgz' });
    expect(parseBuildpackRegistry(text, 'r.json')).toEqual({ 'acme/ruby': 'https://git.example/ruby.git#v3', 'acme/php': 'https://dl.example/php.tgz' });
  });

  it('stops the start with a ConfigError naming the file and the entry', () => {
    expect(() => parseBuildpackRegistry('{', 'r.json')).toThrow(new ConfigError('r.json: not JSON (expected {"namespace/name": "https://..."})'));
    expect(() => parseBuildpackRegistry('{"ruby": "https://x/y.git"}', 'r.json')).toThrow(/r\.json: ruby: names are namespace\/name/);
    expect(() => parseBuildpackRegistry('{"a/b": "ftp://x/y"}', 'r.json')).toThrow(/r\.json: a\/b: .*only https:\/\/ and http:\/\//);
    expect(() => parseBuildpackRegistry('["x"]', 'r.json')).toThrow(ConfigError);
  });

  it('is empty when no file is set, and fails clearly when the file cannot be read', async () => {
    expect(await loadBuildpackRegistry(null)).toEqual({});
    const dir = await mkdtemp(join(tmpdir(), 'slipway-bp-registry-'));
    try {
      await writeFile(join(dir, 'r.json'), '{"acme/x": "https://h.example/x.git"}');
      expect(await loadBuildpackRegistry(join(dir, 'r.json'))).toEqual({ 'acme/x': 'https://h.example/x.git' });
      await expect(loadBuildpackRegistry(join(dir, 'missing.json'))).rejects.toThrow(/cannot read the buildpack registry .*missing\.json/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
