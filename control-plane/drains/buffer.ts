// A drain's bounded buffer: lines wait here while the drain is slow or down. When it is full the
// oldest line goes (the newest say most about now) and is counted, so the drops can be reported
// (Heroku's L10) once delivery resumes. Adding never waits: apps and the router never do.

export interface DropReport {
  count: number;
  /** when the first of them was dropped */
  since: Date;
}

export class BoundedBuffer<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  private size = 0;
  private dropped = 0;
  private droppedSince: Date | null = null;
  private waiter: (() => void) | null = null;

  constructor(readonly capacity: number, private readonly now: () => Date = () => new Date()) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Adds an item; answers false when the oldest had to go to make room. */
  push(item: T): boolean {
    let kept = true;
    if (this.size === this.capacity) {
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.size--;
      this.countDrops(1);
      kept = false;
    }
    this.items[(this.head + this.size) % this.capacity] = item;
    this.size++;
    this.waiter?.();
    return kept;
  }

  /** Counts items lost outside the buffer (a batch the drain refused). */
  countDrops(count: number): void {
    if (count <= 0) return;
    if (this.dropped === 0) this.droppedSince = this.now();
    this.dropped += count;
  }

  /** Removes and answers up to `max` of the oldest items. */
  take(max: number): T[] {
    const out: T[] = [];
    while (this.size > 0 && out.length < max) {
      out.push(this.items[this.head] as T);
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.size--;
    }
    return out;
  }

  /** The drops since the last report, and starts counting afresh; null when none. */
  takeDropReport(): DropReport | null {
    if (this.dropped === 0 || !this.droppedSince) return null;
    const report = { count: this.dropped, since: this.droppedSince };
    this.dropped = 0;
    this.droppedSince = null;
    return report;
  }

  /** Resolves once the buffer holds something (at once if it does), or when `signal` aborts. */
  async waitForItems(signal: AbortSignal): Promise<void> {
    if (this.size > 0 || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.waiter = null;
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiter = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
