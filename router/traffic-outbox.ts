// The router's traffic windows on their way to the control plane: they carry metered usage
// (requests, bytes), so each is sent until a control plane acknowledges it, in order, and kept
// meanwhile (a control plane restarting loses none). Bounded: past `capacity` windows waiting,
// the oldest go, and are counted.
import type { RouterTraffic } from '../common/protocol.js';

export class TrafficOutbox {
  private readonly waiting: RouterTraffic[] = [];
  private sending = false;
  /** Windows dropped because too many waited (the control planes were away that long). */
  dropped = 0;

  constructor(
    /** Resolves once a control plane has kept the window; rejects (or times out) otherwise. */
    private readonly send: (window: RouterTraffic) => Promise<void>,
    private readonly capacity = 8640,
  ) {}

  get pending(): number {
    return this.waiting.length;
  }

  add(window: RouterTraffic): void {
    this.waiting.push(window);
    while (this.waiting.length > this.capacity) {
      this.waiting.shift();
      this.dropped += 1;
    }
  }

  /** Sends what waits, oldest first, until one is not acknowledged (it is tried again next time). */
  async flush(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.waiting.length > 0) {
        try {
          await this.send(this.waiting[0]!);
        } catch {
          return;
        }
        this.waiting.shift();
      }
    } finally {
      this.sending = false;
    }
  }
}
