import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CHOSEN_PORT_RANGE, candidatePort, freePort, portInUse } from './ports.js';

describe('candidatePort', () => {
  it('stays below the ephemeral range', () => {
    expect(candidatePort(new Set(), () => 0)).toBe(CHOSEN_PORT_RANGE.low);
    expect(candidatePort(new Set(), () => 0.999999)).toBe(CHOSEN_PORT_RANGE.high);
  });

  it('skips ports handed out recently', () => {
    const recent = new Set([20000, 20001, 20002]);
    expect(candidatePort(recent, () => 0)).toBe(20003);
  });

  it('wraps around the end of the range', () => {
    expect(candidatePort(new Set([32767]), () => 0.999999)).toBe(20000);
  });
});

describe('freePort', () => {
  it('hands out distinct ports that can be listened on', async () => {
    const ports = await Promise.all(Array.from({ length: 40 }, () => freePort()));
    expect(new Set(ports).size).toBe(40);
    for (const port of ports) expect(port).toBeGreaterThanOrEqual(CHOSEN_PORT_RANGE.low);
    for (const port of ports.slice(0, 5)) expect(await portInUse(port)).toBe(false);
  });

  it('never hands out a port something listens on', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const taken = (server.address() as { port: number }).port;
    try {
      const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
      expect(ports).not.toContain(taken);
    } finally {
      server.close();
    }
  });
});
