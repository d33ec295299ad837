import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLogReceiver, type LogReceiver } from './log-receiver.js';

let receiver: LogReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

function send(port: number, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.end(text, resolve));
    socket.on('error', reject);
  });
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

describe('log receiver', () => {
  it('splits the stream into lines, across reads, skipping empty ones', async () => {
    const lines: string[] = [];
    receiver = await startLogReceiver((line) => lines.push(line), '127.0.0.1', 0);
    await send(receiver.port, 'first line\n\nsecond line\nthird');
    await until(() => lines.length === 2);
    expect(lines).toEqual(['first line', 'second line']);
  });

  it('reads everything that waits at each wake-up, not one read per rest', async () => {
    const lines: string[] = [];
    receiver = await startLogReceiver((line) => lines.push(line), '127.0.0.1', 200);
    // 4 MiB: at least 64 reads of 64 KiB, so one read per rest would take at least 64 wake-ups
    // (13 s). Draining what waits reads more than 64 KiB per wake-up: how much more is the
    // kernel's socket buffer's to say (20-43 wake-ups measured on loaded and nested machines),
    // so the bound is the one that tells the two apart.
    const line = `${'x'.repeat(254)}\n`;
    const count = Math.floor((4 * 1024 * 1024) / line.length);
    await send(receiver.port, line.repeat(count));
    await until(() => lines.length === count);
    expect(lines.length).toBe(count);
    const readsOf64KiB = Math.ceil((count * line.length) / (64 * 1024));
    expect(receiver.wakeups()).toBeLessThan(readsOf64KiB);
  });
});
