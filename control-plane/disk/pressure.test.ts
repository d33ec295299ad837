import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { capturingLogger } from '../../agent/testing/agent-fixtures.js';
import { assessVolume, DiskPressureMonitor, REMINDER_MS, type VolumeUsage } from './pressure.js';

const GB = 1024 ** 3;

describe('assessVolume', () => {
  it('is low below either threshold', () => {
    const thresholds = { minFreeBytes: 2 * GB, minFreeRatio: 0.05 };
    expect(assessVolume({ totalBytes: 100 * GB, freeBytes: 10 * GB }, thresholds)).toEqual({ freeBytes: 10 * GB, freeRatio: 0.1, low: false });
    expect(assessVolume({ totalBytes: 100 * GB, freeBytes: 1 * GB }, thresholds).low).toBe(true);
    expect(assessVolume({ totalBytes: 1000 * GB, freeBytes: 40 * GB }, thresholds).low).toBe(true);
  });
});

describe('DiskPressureMonitor', () => {
  it('warns when a volume goes low, reminds every 15 minutes, and says when it recovered', async () => {
    let usage: VolumeUsage = { totalBytes: 100 * GB, freeBytes: 1 * GB };
    const { log, lines } = capturingLogger();
    const monitor = new DiskPressureMonitor([{ name: 'state', path: async () => '/srv' }], { minFreeBytes: 2 * GB, minFreeRatio: 0 }, new Registry(), log, async () => usage);
    const messages = () => lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    await monitor.check(0);
    await monitor.check(1000);
    await monitor.check(REMINDER_MS - 1);
    expect(messages()).toEqual(['disk space low on state (/srv): writes will start failing when it runs out']);
    await monitor.check(REMINDER_MS);
    expect(messages()).toHaveLength(2);
    usage = { totalBytes: 100 * GB, freeBytes: 50 * GB };
    await monitor.check(REMINDER_MS + 1);
    await monitor.check(REMINDER_MS + 2);
    expect(messages().slice(2)).toEqual(['disk space on state (/srv) is above the thresholds again']);
  });
});
