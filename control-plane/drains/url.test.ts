import { describe, expect, it } from 'vitest';
import { InvalidParamsError } from '../../common/errors.js';
import { AddressPolicy, parseNetworks } from './addresses.js';
import { parseDrainUrl, redactedUrl } from './url.js';

const strict = { allowHttp: false, addresses: new AddressPolicy() };

describe('drain URLs', () => {
  it("accepts Heroku's schemes and syslog+udp, with their default ports", () => {
    expect(parseDrainUrl('syslog+tls://logs.example.com:6514', strict)).toMatchObject({ kind: 'syslog+tls', host: 'logs.example.com', port: 6514 });
    expect(parseDrainUrl('syslog://logs.example.com', strict)).toMatchObject({ kind: 'syslog', port: 514 });
    expect(parseDrainUrl('syslog+udp://203.0.113.9:5140', strict)).toMatchObject({ kind: 'syslog+udp', host: '203.0.113.9', port: 5140 });
    expect(parseDrainUrl('https://user:pass@logs.example.com/drain?x=1', strict)).toMatchObject({ kind: 'https', port: 443 });
  });

  it('refuses other schemes, plain http unless allowed, and syslog URLs with paths', () => {
    for (const bad of ['ftp://logs.example.com', 'not a url', 'http://logs.example.com/', 'syslog+tls://logs.example.com:6514/path', 'https://', `https://logs.example.com/${'a'.repeat(3000)}`]) {
      expect(() => parseDrainUrl(bad, strict), bad).toThrow(InvalidParamsError);
    }
    expect(parseDrainUrl('http://logs.example.com/', { ...strict, allowHttp: true }).kind).toBe('http');
  });

  it("refuses the platform's own networks unless the operator allows them", () => {
    for (const internal of ['syslog+tls://127.0.0.1:6514', 'https://localhost/', 'https://10.1.2.3/', 'https://169.254.169.254/latest', 'https://[::1]/', 'https://[::ffff:127.0.0.1]/', 'syslog+udp://192.168.1.1:514', 'https://[fd00::1]/']) {
      expect(() => parseDrainUrl(internal, strict), internal).toThrow(/internal address/);
    }
    const loopbackAllowed = { allowHttp: false, addresses: new AddressPolicy(parseNetworks('127.0.0.0/8, ::1/128')) };
    expect(parseDrainUrl('syslog+tls://127.0.0.1:6514', loopbackAllowed).host).toBe('127.0.0.1');
    expect(parseDrainUrl('https://[::1]:8443/', loopbackAllowed).host).toBe('::1');
    expect(() => parseDrainUrl('https://10.0.0.1/', loopbackAllowed)).toThrow(/internal/);
    expect(() => parseNetworks('10.0.0.0')).toThrow(/CIDR/);
  });

  it('keeps credentials out of what is logged', () => {
    expect(redactedUrl('https://user:secret@logs.example.com/x')).toBe('https://***:***@logs.example.com/x');
    expect(redactedUrl('syslog+tls://logs.example.com:6514')).toBe('syslog+tls://logs.example.com:6514');
  });
});
