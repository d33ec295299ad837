import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { userlandProxyEnabled } from '../common/docker-engine-settings.js';
import { dockerdFailure, readRunningDockerd, userlandProxyAdvice } from './host-setup.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function fakeProc(processes: Record<string, { comm: string; argv: string[] }>): Promise<string> {
  const proc = await mkdtemp(join(tmpdir(), 'slipway-proc-'));
  dirs.push(proc);
  for (const [pid, { comm, argv }] of Object.entries(processes)) {
    await mkdir(join(proc, pid));
    await writeFile(join(proc, pid, 'comm'), `${comm}\n`);
    await writeFile(join(proc, pid, 'cmdline'), argv.map((arg) => `${arg}\0`).join(''));
  }
  return proc;
}

describe('readRunningDockerd', () => {
  it('finds dockerd among the processes, with its argv and the daemon.json it names', async () => {
    const config = join(await mkdtemp(join(tmpdir(), 'slipway-daemon-json-')), 'daemon.json');
    dirs.push(join(config, '..'));
    await writeFile(config, '{"userland-proxy": false}');
    const proc = await fakeProc({
      '12': { comm: 'containerd', argv: ['/usr/bin/containerd'] },
      '40': { comm: 'dockerd', argv: ['/usr/sbin/dockerd', '--config-file', config] },
    });
    const found = await readRunningDockerd(proc);
    expect(found).toEqual({ argv: ['/usr/sbin/dockerd', '--config-file', config], daemonJson: '{"userland-proxy": false}' });
    expect(userlandProxyEnabled(found!)).toBe(false);
  });

  it('answers null when no dockerd is visible', async () => {
    expect(await readRunningDockerd(await fakeProc({ '7': { comm: 'sshd', argv: ['sshd'] } }))).toBeNull();
  });

  it('reads the real dockerd the tests run against (global-setup made sure one runs)', async () => {
    const running = await readRunningDockerd();
    expect(running?.argv[0]).toMatch(/dockerd$/);
  });
});

describe('userlandProxyAdvice', () => {
  it('says what to change, and where', () => {
    const advice = userlandProxyAdvice('/etc/docker/daemon.json');
    expect(advice).toContain('"userland-proxy": false in /etc/docker/daemon.json');
    expect(advice).toContain('restart dockerd');
  });
});

describe('dockerdFailure', () => {
  it("finds the line in which dockerd said why it did not start", () => {
    const log = [
      'time="2026-12-03T09:05:04Z" level=info msg="Loading containers: start."',
      'time="2026-12-03T09:05:04Z" level=warning msg="unable to disable IPv6 router advertisement"',
      'failed to start daemon: Error initializing network controller: Error creating default "bridge" network: Unable to enable local routing for hairpin mode: open /proc/sys/net/ipv4/conf/docker0/route_localnet: read-only file system',
      '',
    ].join('\n');
    expect(dockerdFailure(log)).toMatch(/^failed to start daemon: .*route_localnet: read-only file system$/);
    expect(dockerdFailure('time="x" level=fatal msg="no space left"\n')).toBe('time="x" level=fatal msg="no space left"');
    expect(dockerdFailure('time="x" level=info msg="API listen on /var/run/docker.sock"\n')).toBeNull();
  });
});
