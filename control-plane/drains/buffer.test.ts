import { describe, expect, it } from 'vitest';
import { BoundedBuffer } from './buffer.js';

describe('a drain buffer', () => {
  it('keeps the newest lines up to its capacity and counts what it drops', () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const buffer = new BoundedBuffer<number>(3, () => now);
    expect([1, 2, 3].map((n) => buffer.push(n))).toEqual([true, true, true]);
    expect(buffer.push(4)).toBe(false);
    now = new Date('2026-01-01T00:00:05Z');
    expect(buffer.push(5)).toBe(false);
    expect(buffer.length).toBe(3);
    expect(buffer.take(2)).toEqual([3, 4]);
    expect(buffer.takeDropReport()).toEqual({ count: 2, since: new Date('2026-01-01T00:00:00Z') });
    expect(buffer.takeDropReport()).toBeNull();
    buffer.push(6);
    expect(buffer.take(10)).toEqual([5, 6]);
    expect(buffer.length).toBe(0);
  });

  it('holds a fixed amount however many lines come', () => {
    const buffer = new BoundedBuffer<number>(100);
    for (let i = 0; i < 100_000; i++) buffer.push(i);
    expect(buffer.length).toBe(100);
    expect(buffer.take(1)).toEqual([99_900]);
    expect(buffer.takeDropReport()?.count).toBe(99_900);
  });

  it('counts lines lost outside it, and wakes a waiting reader', async () => {
    const buffer = new BoundedBuffer<string>(2);
    buffer.countDrops(7);
    expect(buffer.takeDropReport()?.count).toBe(7);
    const controller = new AbortController();
    const waiting = buffer.waitForItems(controller.signal);
    buffer.push('x');
    await waiting;
    const aborted = new BoundedBuffer<string>(2).waitForItems(AbortSignal.abort());
    await aborted;
    expect(() => new BoundedBuffer(0)).toThrow(RangeError);
  });
});
