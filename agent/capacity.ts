// The memory this host has promised to its instances. The control plane places instances by
// memory, but it can be wrong (several control planes, a host it thinks is empty after a
// restart): the agent is the last word on its own host and refuses what would not fit. Only
// memory is enforced, as the scheduler plans only memory; CPU shares are meant to be shared.

/** Why a run of `requestedMb` must be refused on a host with `committedMb` of `capacityMb`
 *  already promised, or null when it fits. */
export function capacityRefusal(hostId: string, dyno: string, capacityMb: number, committedMb: number, requestedMb: number): string | null {
  if (committedMb + requestedMb <= capacityMb) return null;
  const freeMb = Math.max(0, capacityMb - committedMb);
  return `host ${hostId} is out of memory: ${dyno} needs ${requestedMb} MB, ${freeMb} MB of ${capacityMb} MB free`;
}

/** Memory held per instance, from admission until its container is gone. */
export class MemoryLedger {
  private readonly held = new Map<string, number>();

  constructor(
    private readonly hostId: string,
    private readonly capacityMb: number,
  ) {}

  get committedMb(): number {
    let sum = 0;
    for (const mb of this.held.values()) sum += mb;
    return sum;
  }

  /** Holds `memoryMb` for the instance if it fits, else says why not. Synchronous, so that
   *  concurrent runs of different instances cannot both take the last room. A new run of an
   *  instance replaces its earlier container: what that one held does not count against it. */
  admit(instanceId: string, dyno: string, memoryMb: number): string | null {
    const others = this.committedMb - (this.held.get(instanceId) ?? 0);
    const refusal = capacityRefusal(this.hostId, dyno, this.capacityMb, others, memoryMb);
    if (refusal === null) this.held.set(instanceId, memoryMb);
    return refusal;
  }

  /** Records what an adopted container holds (it runs already: never refused). */
  hold(instanceId: string, memoryMb: number): void {
    this.held.set(instanceId, memoryMb);
  }

  release(instanceId: string): void {
    this.held.delete(instanceId);
  }
}
