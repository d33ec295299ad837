import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { parseSettingsFile, readSettingsFile } from './settings-file.js';

const schema = z.object({ name: z.string(), items: z.array(z.object({ size: z.number() })) }).strict();

describe('settings files', () => {
  it('reads YAML and JSON alike', () => {
    expect(parseSettingsFile(schema, 'name: a\nitems:\n  - size: 1\n', 'f.yaml')).toEqual({ name: 'a', items: [{ size: 1 }] });
    expect(parseSettingsFile(schema, '{"name": "a", "items": []}', 'f.json')).toEqual({ name: 'a', items: [] });
  });

  it('names the file and the first bad field, list places in brackets', () => {
    expect(() => parseSettingsFile(schema, 'name: a\nitems:\n  - size: big\n', 'f.yaml')).toThrow(/^f\.yaml: items\[0\]\.size: /);
    expect(() => parseSettingsFile(schema, 'items: []\n', 'f.yaml')).toThrow(/^f\.yaml: name: /);
    expect(() => parseSettingsFile(schema, 'name: [', 'f.yaml')).toThrow(/^f\.yaml: not YAML or JSON: /);
    expect(() => parseSettingsFile(schema, '"just text"', 'f.yaml')).toThrow(/^f\.yaml: the file: /);
  });

  it('says which setting names a file it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-settings-'));
    writeFileSync(join(dir, 'ok.yaml'), 'name: a\n');
    expect(readSettingsFile('SLIPWAY_X_FILE', join(dir, 'ok.yaml'))).toBe('name: a\n');
    expect(() => readSettingsFile('SLIPWAY_X_FILE', join(dir, 'missing.yaml'))).toThrow(ConfigError);
    expect(() => readSettingsFile('SLIPWAY_X_FILE', join(dir, 'missing.yaml'))).toThrow(/^SLIPWAY_X_FILE: cannot read .*missing\.yaml: ENOENT/);
  });
});
