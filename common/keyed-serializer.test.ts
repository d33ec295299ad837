import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { KeyedSerializer } from './keyed-serializer.js';

describe('KeyedSerializer', () => {
  it('runs tasks of one key in order, one at a time', async () => {
    const serial = new KeyedSerializer();
    const trace: string[] = [];
    const task = (name: string, ms: number) => async () => {
      trace.push(`${name} start`);
      await sleep(ms);
      trace.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([serial.run('a', task('first', 30)), serial.run('a', task('second', 1))]);
    expect(results).toEqual(['first', 'second']);
    expect(trace).toEqual(['first start', 'first end', 'second start', 'second end']);
  });

  it('runs different keys side by side', async () => {
    const serial = new KeyedSerializer();
    const trace: string[] = [];
    await Promise.all([
      serial.run('a', async () => {
        trace.push('a start');
        await sleep(30);
        trace.push('a end');
      }),
      serial.run('b', async () => {
        trace.push('b start');
        trace.push('b end');
      }),
    ]);
    expect(trace).toEqual(['a start', 'b start', 'b end', 'a end']);
  });

  it('keeps going after a task fails, and passes the failure to its caller', async () => {
    const serial = new KeyedSerializer();
    const failed = serial.run('a', async () => {
      throw new Error('boom');
    });
    const next = serial.run('a', async () => 'ok');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });

  it('is idle once everything queued has run', async () => {
    const serial = new KeyedSerializer();
    let done = false;
    void serial.run('a', async () => {
      await sleep(20);
      done = true;
    });
    await serial.idle();
    expect(done).toBe(true);
  });
});
