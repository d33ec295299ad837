// The host's dynos' memory and CPU, read from Docker at an interval and published to the
// control plane (subjects.dynoMetrics): what `slipway metrics` shows.
import type { DynoMetrics, DynoSample } from '../common/protocol.js';
import type { ContainerEngine } from './container-engine.js';

export interface RunningDyno {
  instanceId: string;
  appId: string;
  dyno: string;
  containerId: string;
}

/** One sample of every running dyno (read at once: Docker takes a second for each). A dyno that
 *  stopped meanwhile, or whose stats cannot be read, is left out of this sample. */
export async function sampleDynos(engine: Pick<ContainerEngine, 'containerStats'>, hostId: string, dynos: readonly RunningDyno[], at: Date): Promise<DynoMetrics> {
  const samples = await Promise.all(
    dynos.map(async (dyno): Promise<DynoSample | null> => {
      const stats = await engine.containerStats(dyno.containerId).catch(() => null);
      return stats ? { instanceId: dyno.instanceId, appId: dyno.appId, dyno: dyno.dyno, ...stats } : null;
    }),
  );
  return { hostId, at: at.toISOString(), dynos: samples.filter((s): s is DynoSample => s !== null) };
}
