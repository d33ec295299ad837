// The retry loop over a fake partner client, and the real client's deadline against a server
// that never answers (127.0.0.1).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { HttpPartnerClient, sendWithRetries, type PartnerClient } from './client.js';
import { deprovisionRequest, provisionRequest, type PartnerOutcome } from './partner-calls.js';

const endpoint = { baseUrl: 'http://127.0.0.1:1/r', id: 'mylog', password: 'pw' };
const scripted = (...outcomes: PartnerOutcome[]) => {
  const sent: string[] = [];
  const client: PartnerClient = {
    send: async (_endpoint, call) => {
      sent.push(`${call.method} ${call.path}`);
      return outcomes.shift() ?? { kind: 'answered', status: 204, body: null };
    },
  };
  return { client, sent };
};

describe('sendWithRetries', () => {
  it('sends an idempotent call again after 5xx and timeouts, waiting longer each time', async () => {
    const { client, sent } = scripted({ kind: 'answered', status: 500, body: null }, { kind: 'timeout' });
    const waits: number[] = [];
    const outcome = await sendWithRetries(client, endpoint, deprovisionRequest('u-1'), { attempts: 4, baseDelayMs: 10 }, async (ms) => waits.push(ms));
    expect(outcome).toEqual({ kind: 'answered', status: 204, body: null });
    expect(sent).toEqual(['DELETE /u-1', 'DELETE /u-1', 'DELETE /u-1']);
    expect(waits).toEqual([10, 20]);
  });

  it('stops at a 4xx, and after the last attempt', async () => {
    const refused = scripted({ kind: 'answered', status: 422, body: null });
    expect(await sendWithRetries(refused.client, endpoint, deprovisionRequest('u-1'), { attempts: 4, baseDelayMs: 1 }, async () => {})).toMatchObject({ status: 422 });
    expect(refused.sent).toHaveLength(1);
    const down = scripted(...Array.from({ length: 5 }, () => ({ kind: 'answered', status: 503, body: null }) as const));
    expect(await sendWithRetries(down.client, endpoint, deprovisionRequest('u-1'), { attempts: 3, baseDelayMs: 1 }, async () => {})).toMatchObject({ status: 503 });
    expect(down.sent).toHaveLength(3);
  });

  it('sends a provision once', async () => {
    const { client, sent } = scripted({ kind: 'timeout' });
    const call = provisionRequest({ uuid: 'u', name: 'n', plan: 'p', region: 'us', callbackUrl: 'c', options: {}, oauthGrant: { code: 'c', expires_at: '2026-01-01T00:05:00.000Z', type: 'authorization_code' } });
    expect(await sendWithRetries(client, endpoint, call, { attempts: 4, baseDelayMs: 1 }, async () => {})).toEqual({ kind: 'timeout' });
    expect(sent).toHaveLength(1);
  });
});

describe('HttpPartnerClient', () => {
  it('gives up at its deadline, and reports a refused connection as unreachable', async () => {
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = new HttpPartnerClient(200);
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/r`;
      const started = Date.now();
      expect(await client.send({ ...endpoint, baseUrl }, deprovisionRequest('u-1'))).toEqual({ kind: 'timeout' });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(await client.send(endpoint, deprovisionRequest('u-1'))).toEqual({ kind: 'unreachable', error: 'ECONNREFUSED' });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
