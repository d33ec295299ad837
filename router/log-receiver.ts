// Receives HAProxy's access logs. HAProxy writes them into a ring buffer and forwards the
// ring over one TCP connection to 127.0.0.1 (newline-separated raw messages): batched
// writes cost HAProxy far less than a syslog datagram per request, and a slow reader
// never blocks the data plane (the ring drops the oldest lines instead). Between wake-ups the
// socket rests for a moment so lines arrive in large batches: one wake-up per batch instead of
// one per request keeps the controller off the CPU the data plane needs. Each wake-up reads
// everything that waits: resting after a single read would cap the receiver at one read
// (64 KiB) per rest, fewer lines than a busy router writes.
import { createServer, type Socket } from 'node:net';

/** How long the receiver lets lines accumulate in the kernel between wake-ups. */
export const DEFAULT_READ_PAUSE_MS = 20;

export interface LogReceiver {
  port: number;
  /** Times the receiver woke up to read (for tests and metrics). */
  wakeups(): number;
  close(): Promise<void>;
}

export function startLogReceiver(onMessage: (message: string) => void, host = '127.0.0.1', readPauseMs = DEFAULT_READ_PAUSE_MS): Promise<LogReceiver> {
  const sockets = new Set<Socket>();
  let wakeups = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setEncoding('utf8');
    let partial = '';
    let resting = false;
    socket.on('data', (chunk: string) => {
      const text = partial + chunk;
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        if (end > start) onMessage(text.slice(start, end));
        start = end + 1;
      }
      partial = text.slice(start);
      if (readPauseMs <= 0 || resting) return;
      // The reads of this wake-up all run before the immediate; then the socket rests.
      resting = true;
      wakeups++;
      setImmediate(() => {
        socket.pause();
        setTimeout(() => {
          resting = false;
          socket.resume();
        }, readPauseMs).unref();
      });
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : 0,
        wakeups: () => wakeups,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
