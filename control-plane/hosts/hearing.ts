// Since when this control plane has been able to hear its hosts. A host's silence counts only
// for time the control plane itself could receive and record heartbeats: a paused or
// restarting NATS, a Redis outage or a leadership just taken look, from here, like every host
// going quiet at once, and must not get them marked down.

export class HearingWindow {
  private since: number | null = null;

  /** Takes the outcome of a probe of the links heartbeats travel through; answers since when
   *  they have been up without a break (null while they are not). */
  observe(linksUp: boolean, nowMs: number): number | null {
    if (!linksUp) this.since = null;
    else this.since ??= nowMs;
    return this.since;
  }

  /** Not leading (or about to lead afresh): whatever was heard before does not count. */
  reset(): void {
    this.since = null;
  }
}
