import { describe, expect, it } from 'vitest';
import { decode, encode, registerRequest, subjects, type RegisterRequest } from '../common/protocol.js';
import { registerUntilAccepted, retryDelay, type Requester } from './registration.js';
import { capturingLogger } from './testing/agent-fixtures.js';

const message: RegisterRequest = {
  hostId: 'host-r',
  token: 'tok-very-secret',
  address: '127.0.0.1',
  capacity: { memoryMb: 1024, cpus: 2 },
  agentVersion: '0.1.0',
};
const policy = { initialMs: 1, maxMs: 4, rejectedMs: 7, requestTimeoutMs: 50 };

/** A requester that plays a script: an Error is thrown, anything else is the reply. */
function scripted(script: unknown[]): { request: Requester; subjects: string[]; bodies: RegisterRequest[] } {
  const seen = { subjects: [] as string[], bodies: [] as RegisterRequest[] };
  const request: Requester = async (subject, body) => {
    seen.subjects.push(subject);
    seen.bodies.push(decode(registerRequest, body));
    const next = script.shift();
    if (next instanceof Error) throw next;
    return encode(next);
  };
  return { request, ...seen };
}

describe('retryDelay', () => {
  it('doubles from the initial pause up to the cap', () => {
    const delays = [0, 1, 2, 3, 4, 5, 50].map((attempt) => retryDelay(attempt, { initialMs: 500, maxMs: 15_000 }));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000]);
  });
});

describe('registerUntilAccepted', () => {
  it('retries unanswered requests and refusals until accepted', async () => {
    const { log, lines } = capturingLogger();
    const script = scripted([new Error('503 no responders'), new Error('TIMEOUT'), { ok: false, error: 'unknown or revoked host credentials' }, { ok: true }]);
    await registerUntilAccepted({ request: script.request, message, policy, log, signal: new AbortController().signal });

    expect(script.subjects).toEqual(Array(4).fill(subjects.register('host-r')));
    expect(script.bodies[0]).toEqual(message);
    const records = lines.map((line) => JSON.parse(line) as { level: number; msg: string; reason?: string; retryInMs?: number });
    const refusal = records.find((record) => record.level === 50);
    expect(refusal?.msg).toMatch(/refused this host/);
    expect(refusal?.reason).toBe('unknown or revoked host credentials');
    expect(refusal?.retryInMs).toBe(7);
    expect(records.filter((record) => record.level === 40).map((record) => record.retryInMs)).toEqual([1, 2]);
    expect(records.at(-1)?.msg).toBe('registered with the control plane');
    expect(lines.join('\n')).not.toContain('tok-very-secret');
  });

  it('gives up only when stopped', async () => {
    const { log } = capturingLogger();
    const controller = new AbortController();
    const forever = scripted(Array.from({ length: 1000 }, () => ({ ok: false, error: 'revoked' })));
    const registering = registerUntilAccepted({ request: forever.request, message, policy, log, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(registering).rejects.toThrow();
    expect(forever.subjects.length).toBeGreaterThan(1);
  });
});
