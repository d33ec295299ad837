// Disk pressure, reported before writes start failing: the free space of the volumes the
// platform writes to (its state dir: Redis, NATS, the registry, git, build caches; and the
// Docker Engine's data root: images, containers, their logs) as gauges, and a warning line
// when one runs below the operator's threshold. The decision is pure; statfs is the edge.
import { statfs } from 'node:fs/promises';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../common/logger.js';

export interface DiskThresholds {
  /** Warn below this many free bytes ... */
  minFreeBytes: number;
  /** ... or below this share of the volume free (0..1). */
  minFreeRatio: number;
}

export interface VolumeUsage {
  totalBytes: number;
  /** What unprivileged writers can still use (statfs bavail). */
  freeBytes: number;
}

export interface VolumeVerdict {
  freeBytes: number;
  freeRatio: number;
  low: boolean;
}

export function assessVolume(usage: VolumeUsage, thresholds: DiskThresholds): VolumeVerdict {
  const freeRatio = usage.totalBytes > 0 ? usage.freeBytes / usage.totalBytes : 0;
  return { freeBytes: usage.freeBytes, freeRatio, low: usage.freeBytes < thresholds.minFreeBytes || freeRatio < thresholds.minFreeRatio };
}

export async function volumeUsage(path: string): Promise<VolumeUsage> {
  const stats = await statfs(path);
  return { totalBytes: stats.blocks * stats.bsize, freeBytes: stats.bavail * stats.bsize };
}

/** A volume to watch: its name in metrics and logs, and how to find its path (asked at each check). */
export interface WatchedVolume {
  name: string;
  path: () => Promise<string | null>;
}

/** While a volume stays low, the warning is repeated this often. */
export const REMINDER_MS = 15 * 60_000;

export class DiskPressureMonitor {
  private readonly freeBytes: Gauge<'volume'>;
  private readonly freeRatio: Gauge<'volume'>;
  private readonly low: Gauge<'volume'>;
  private readonly warnedAt = new Map<string, number>();

  constructor(
    private readonly volumes: readonly WatchedVolume[],
    private readonly thresholds: DiskThresholds,
    registry: Registry,
    private readonly logger: Logger,
    private readonly usage: (path: string) => Promise<VolumeUsage> = volumeUsage,
  ) {
    const registers = [registry];
    this.freeBytes = new Gauge({ name: 'slipway_disk_free_bytes', help: 'Bytes free for unprivileged writers on a volume Slipway writes to', labelNames: ['volume'], registers });
    this.freeRatio = new Gauge({ name: 'slipway_disk_free_ratio', help: 'Share of a volume free for unprivileged writers (0..1)', labelNames: ['volume'], registers });
    this.low = new Gauge({ name: 'slipway_disk_low', help: '1 while a volume is below the free space thresholds', labelNames: ['volume'], registers });
  }

  /** One look at every volume: gauges set, and a warning for each low one. */
  async check(now = Date.now()): Promise<void> {
    for (const volume of this.volumes) {
      let path: string | null = null;
      try {
        path = await volume.path();
        if (!path) continue;
        const verdict = assessVolume(await this.usage(path), this.thresholds);
        this.freeBytes.set({ volume: volume.name }, verdict.freeBytes);
        this.freeRatio.set({ volume: volume.name }, verdict.freeRatio);
        this.low.set({ volume: volume.name }, verdict.low ? 1 : 0);
        this.report(volume.name, path, verdict, now);
      } catch (err) {
        this.logger.warn({ err, volume: volume.name, path }, 'could not measure free disk space');
      }
    }
  }

  private report(name: string, path: string, verdict: VolumeVerdict, now: number): void {
    const last = this.warnedAt.get(name);
    const details = { volume: name, path, freeBytes: verdict.freeBytes, freePercent: Math.round(verdict.freeRatio * 1000) / 10, minFreeBytes: this.thresholds.minFreeBytes, minFreePercent: this.thresholds.minFreeRatio * 100 };
    if (verdict.low) {
      if (last === undefined || now - last >= REMINDER_MS) {
        this.logger.warn(details, `disk space low on ${name} (${path}): writes will start failing when it runs out`);
        this.warnedAt.set(name, now);
      }
    } else if (last !== undefined) {
      this.logger.info(details, `disk space on ${name} (${path}) is above the thresholds again`);
      this.warnedAt.delete(name);
    }
  }
}

/** Checks now and every `intervalMs`; returns the stopper. */
export function watchDiskPressure(monitor: DiskPressureMonitor, intervalMs: number): () => void {
  void monitor.check();
  const timer = setInterval(() => void monitor.check(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
