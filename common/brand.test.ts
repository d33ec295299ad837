import { describe, expect, it } from 'vitest';
import { brandOf, DEFAULT_BRAND, parseBrand, slugOf } from './brand.js';

describe('the brand file', () => {
  it('needs only a name: the rest is derived from it', () => {
    expect(parseBrand('name: Acme Cloud\n', 'brand.yaml')).toEqual({
      name: 'Acme Cloud',
      shortName: 'Acme Cloud',
      cliCommand: 'acme-cloud',
      appsDomain: null,
      apiHostname: null,
      dashboardHostname: null,
      supportUrl: null,
      termsUrl: null,
      colors: { primary: '#4b2ca0', background: '#ffffff', text: '#1f1f1f' },
      logoUrl: null,
      tokenPrefix: 'acmecloud',
    });
  });

  it('takes every field, and derives hostnames from the apps domain', () => {
    const brand = parseBrand(
      JSON.stringify({ name: 'Acme Cloud', short_name: 'Acme', cli_command: 'acme', apps_domain: 'acme.app', support_url: 'https://help.acme.test', colors: { primary: '#ff0000' }, token_prefix: 'acm' }),
      'brand.json',
    );
    expect(brand).toMatchObject({ shortName: 'Acme', cliCommand: 'acme', apiHostname: 'api.acme.app', dashboardHostname: 'dashboard.acme.app', supportUrl: 'https://help.acme.test', tokenPrefix: 'acm' });
    expect(brand.colors.primary).toBe('#ff0000');
  });

  it('names the field that is wrong', () => {
    expect(() => parseBrand('short_name: x\n', 'b.yaml')).toThrow(/^b\.yaml: name: /);
    expect(() => parseBrand('name: A\ncli_command: Acme CLI\n', 'b.yaml')).toThrow(/^b\.yaml: cli_command: lowercase letters/);
    expect(() => parseBrand('name: A\ncolors: { primary: red }\n', 'b.yaml')).toThrow('b.yaml: colors.primary: a colour as #rrggbb');
    expect(() => parseBrand('name: A\nlogo: x\n', 'b.yaml')).toThrow(/^b\.yaml: the file: .*logo/);
    expect(() => parseBrand('name: A\nsupport_url: ftp://x\n', 'b.yaml')).toThrow('b.yaml: support_url: an http(s) URL');
  });

  it('makes commands of names, and keeps Slipway’s own token prefix by default', () => {
    expect(slugOf('Ünïcorn  Hosting!')).toBe('unicorn-hosting');
    expect(slugOf('42 Cloud')).toBe('p-42-cloud');
    expect(DEFAULT_BRAND).toMatchObject({ name: 'Slipway', cliCommand: 'slipway', tokenPrefix: 'slw' });
    expect(brandOf({ name: 'Slipway' }).tokenPrefix).toBe('slipway');
  });
});
