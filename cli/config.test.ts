import { describe, expect, it } from 'vitest';
import { ConfigError } from '../common/errors.js';
import { DEFAULT_BRAND, parseBrand } from '../common/brand.js';
import { loadCliConfig } from './config.js';

describe('loadCliConfig', () => {
  it('defaults to ~/.config/slipway/credentials.json and no overrides', () => {
    expect(loadCliConfig({}, '/home/ann')).toEqual({
      apiUrl: null,
      apiToken: null,
      app: null,
      credentialsPath: '/home/ann/.config/slipway/credentials.json',
      browser: null,
      brand: DEFAULT_BRAND,
    });
  });

  it('reads the overrides, XDG_CONFIG_HOME and BROWSER, and treats empty variables as unset', () => {
    const env = { SLIPWAY_API_URL: 'https://api.example.com', SLIPWAY_API_TOKEN: 'slw_x', SLIPWAY_APP: '', XDG_CONFIG_HOME: '/cfg', BROWSER: 'xdg-open' };
    expect(loadCliConfig(env, '/home/ann')).toEqual({
      apiUrl: 'https://api.example.com',
      apiToken: 'slw_x',
      app: null,
      credentialsPath: '/cfg/slipway/credentials.json',
      browser: 'xdg-open',
      brand: DEFAULT_BRAND,
    });
  });

  it('keeps a branded CLI\'s credentials under its own command name', () => {
    expect(loadCliConfig({}, '/home/ann', parseBrand('name: Acme Cloud\ncli_command: acme\n', 'b')).credentialsPath).toBe('/home/ann/.config/acme/credentials.json');
  });

  it('names a bad variable without showing its value', () => {
    const load = () => loadCliConfig({ SLIPWAY_API_URL: 'not a url with secret-ish bits' }, '/home/ann');
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/SLIPWAY_API_URL/);
    expect(load).not.toThrow(/secret-ish/);
  });
});
