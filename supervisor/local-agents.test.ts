import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { localAgentsNotServing, waitForLocalAgents } from './local-agents.js';

describe('which local agents a start still waits for', () => {
  const since = Date.parse('2026-12-07T09:00:00Z');
  it('waits for a local host that never heartbeated, or only before this start', () => {
    const hosts = [
      { id: 'h-new', provider: 'local', last_heartbeat: null },
      { id: 'h-left', provider: 'local', last_heartbeat: '2026-12-07T08:59:59Z' },
      { id: 'h-back', provider: 'local', last_heartbeat: '2026-12-07T09:00:01Z' },
    ];
    expect(localAgentsNotServing(hosts, since)).toEqual(['h-new', 'h-left']);
  });

  it('does not wait for hosts of other providers (they join on their own time) or when there are none', () => {
    expect(localAgentsNotServing([{ id: 'h-aws', provider: 'aws', last_heartbeat: null }], since)).toEqual([]);
    expect(localAgentsNotServing([], since)).toEqual([]);
  });
});

describe('waiting for the local agents, against an API on loopback', () => {
  let server: Server | null = null;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = null;
  });

  /** An API whose GET /hosts answers what `answer` says for the nth request (from 0). */
  async function api(answer: (nth: number, authorization: string | undefined) => { status: number; body: unknown }): Promise<string> {
    let nth = 0;
    server = createServer((req, res) => {
      const { status, body } = req.url === '/hosts' ? answer(nth++, req.headers.authorization) : { status: 404, body: {} };
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('returns once the agent has heartbeated since the start, asking with the admin token', async () => {
    const since = Date.now();
    const tokens = new Set<string | undefined>();
    const url = await api((nth, authorization) => {
      tokens.add(authorization);
      const last_heartbeat = nth < 2 ? null : new Date(since + 1000).toISOString();
      return { status: 200, body: [{ id: 'h-1', provider: 'local', last_heartbeat }] };
    });
    const lines: string[] = [];
    await waitForLocalAgents({ api: url, adminToken: 'tok', since, adminTokenFile: '/home/x/admin-token' }, (line) => lines.push(line));
    expect(lines).toEqual(['waiting for the local agents to join', 'the local agents serve']);
    expect([...tokens]).toEqual(['Bearer tok']);
  });

  it('says at once that it cannot tell when the admin token is refused, rather than wait out the deadline', async () => {
    const url = await api(() => ({ status: 401, body: { id: 'unauthorized', message: 'Invalid credentials provided.' } }));
    const lines: string[] = [];
    const started = Date.now();
    await waitForLocalAgents({ api: url, adminToken: 'revoked', since: started, adminTokenFile: '/home/x/admin-token', deadlineMs: 30_000 }, (line) => lines.push(line));
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(lines.at(-1)).toBe('slipway: cannot see whether the local agents joined: GET /hosts answered 401 to the admin token in /home/x/admin-token (revoked?)');
  });

  it('names the agents still missing at the deadline, and goes on', async () => {
    const url = await api(() => ({ status: 200, body: [{ id: 'h-stuck', provider: 'local', last_heartbeat: null }] }));
    const lines: string[] = [];
    await waitForLocalAgents({ api: url, adminToken: 'tok', since: Date.now(), adminTokenFile: '/x', deadlineMs: 600 }, (line) => lines.push(line));
    expect(lines.at(-1)).toBe('slipway: the agent of h-stuck did not join within 0.6 s: apps there wait for it (its output is above)');
  });
});
