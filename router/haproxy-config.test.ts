import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRouterConfig } from './config.js';
import { applyOp, emptyState } from './data-plane-state.js';
import { ensureDefaultCertificate } from './default-certificate.js';
import { renderHaproxyConfig, renderHostsMap } from './haproxy-config.js';
import { ROUTER_LUA } from './lua-script.js';
import { renderPageMap } from './pages.js';
import { planRouteChanges } from './route-diff.js';
import { statePaths } from './state-paths.js';

function sampleState() {
  const state = emptyState(2);
  const table = new Map([['shop', { appName: 'shop', hostnames: ['shop.localhost'], backends: [{ instanceId: 'web.1', address: '127.0.0.1', port: 5001 }] }]]);
  for (const op of planRouteChanges(table, state, { now: 0, slotQuarantineMs: 0 }).ops) applyOp(state, op);
  return state;
}

describe('renderHaproxyConfig', () => {
  const settings = loadRouterConfig({ SLIPWAY_BRAND: 'Acme', SLIPWAY_ROUTER_RESPONSE_TIMEOUT_MS: '1500', SLIPWAY_ROUTER_ACME_UPSTREAMS: '127.0.0.1:5780,10.0.0.9:5780' });
  const paths = statePaths('/state');
  const text = renderHaproxyConfig({ settings, ports: { http: 8080, https: 8443 }, logPort: 5140, paths, state: sampleState() });

  it('declares every slot, with the servers of the apps that hold one', () => {
    expect(text).toContain('backend slot_0\n  balance leastconn\n');
    expect(text).toMatch(/backend slot_0[\s\S]*  server s1 127\.0\.0\.1:5001 check inter 2000ms/);
    expect(text).toContain('backend slot_1\n');
    expect(renderHostsMap(sampleState())).toBe('shop.localhost slot_0\n');
  });

  it('carries the timeouts, the brand and the log ring', () => {
    expect(text).toContain('timeout server 1500ms');
    expect(text).toContain('Via "%[req.ver] acme"');
    expect(text).toContain('server controller 127.0.0.1:5140');
    expect(text).toContain('alpn h2,http/1.1');
  });

  it('leaves the access log out only when told to (the benchmark measures what it costs), the rest unchanged', () => {
    expect(text).toContain('\n  log global\n');
    const quiet = renderHaproxyConfig({ settings, ports: { http: 8080, https: 8443 }, logPort: 5140, accessLog: false, paths, state: sampleState() });
    expect(quiet).not.toContain('log global');
    expect(quiet.replace(/\n/g, '')).toBe(text.replace('\n  log global', '').replace(/\n/g, ''));
  });

  it('sends ACME HTTP-01 fetches on any host to the control planes, before the host decides, and only when told where they are', () => {
    const acme = text.indexOf('use_backend acme_challenges if { path_beg /.well-known/acme-challenge/ } { method GET }');
    expect(acme).toBeGreaterThan(0);
    expect(acme).toBeLessThan(text.indexOf('use_backend %[req.hdr(host)'));
    expect(text).toContain('backend acme_challenges\n  balance roundrobin\n  server control-plane-1 127.0.0.1:5780\n  server control-plane-2 10.0.0.9:5780\n');
    const without = renderHaproxyConfig({ settings: { ...settings, acmeUpstreams: [] }, ports: { http: 8080, https: 8443 }, logPort: 5140, paths, state: sampleState() });
    expect(without).not.toContain('acme_challenges');
  });

  it('has a waker backend: the control planes with a boot’s timeout when told where they are, else the no-web-instances page', () => {
    expect(text).toMatch(/backend waker\n  http-request return status 503 [^\n]*hdr Platform-Error H14\n/);
    const waking = renderHaproxyConfig({ settings: { ...settings, wakeUpstreams: ['127.0.0.1:5787'], wakeTimeoutMs: 90_000 }, ports: { http: 8080, https: 8443 }, logPort: 5140, paths, state: sampleState() });
    expect(waking).toContain('backend waker\n  timeout server 90000ms\n  balance roundrobin\n  server control-plane-1 127.0.0.1:5787\n');
  });

  it('redirects plain HTTP to HTTPS and adds HSTS by the hostname’s TLS policy, sparing ACME’s fetches', () => {
    expect(text).toContain('http-request set-var(txn.tls) req.hdr(host),lower,field(1,:),concat(:tls),map(/state/hosts.map)');
    expect(text).toContain('http-request redirect scheme https code 308 if !{ ssl_fc } { var(txn.tls) -m sub redirect } !{ path_beg /.well-known/acme-challenge/ }');
    expect(text).toContain('http-response set-header Strict-Transport-Security max-age=31536000 if { ssl_fc } { var(txn.tls) -m sub hsts }');
    expect(text.indexOf('redirect scheme https')).toBeLessThan(text.indexOf('use_backend acme_challenges'));
  });

  it('is accepted by haproxy -c', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-router-config-'));
    try {
      const real = statePaths(dir);
      await ensureDefaultCertificate(real.defaultCertificate, 'localhost');
      await writeFile(real.crtList, '');
      await writeFile(real.luaScript, ROUTER_LUA);
      await writeFile(real.pagesMap, renderPageMap(settings.pageBrand));
      await writeFile(real.hostsMap, renderHostsMap(sampleState()));
      await writeFile(real.config, renderHaproxyConfig({ settings: { ...settings, wakeUpstreams: ['127.0.0.1:5787'] }, ports: { http: 8080, https: 8443 }, logPort: 5140, paths: real, state: sampleState() }));
      const result = spawnSync('haproxy', ['-c', '-f', real.config], { encoding: 'utf8' });
      expect(result.stderr + result.stdout).toContain('Configuration file is valid');
      expect(result.status).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
