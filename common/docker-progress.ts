// Docker's pull, push and import answer with a stream of JSON progress messages; a failure
// arrives as one of those messages (`error`), not as an HTTP status. This reads the stream to
// its end and turns such a message into an exception.
export interface DockerProgressEvent {
  status?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { Tag?: string; Digest?: string; Size?: number; ID?: string };
}

export class DockerProgressError extends Error {
  override name = 'DockerProgressError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

/** The first error a progress log reports, or null when it reports none. */
export function progressError(events: readonly DockerProgressEvent[]): string | null {
  for (const event of events) {
    if (event.error || event.errorDetail?.message) return event.errorDetail?.message ?? event.error ?? 'unknown error';
  }
  return null;
}

/** The digest a push reports in its final `aux` message. */
export function pushedDigest(events: readonly DockerProgressEvent[]): string | null {
  for (const event of [...events].reverse()) {
    if (event.aux?.Digest) return event.aux.Digest;
  }
  return null;
}

interface ProgressModem {
  followProgress(stream: NodeJS.ReadableStream, onFinished: (err: Error | null, output: DockerProgressEvent[]) => void): void;
}

/** Reads a progress stream to its end; rejects on a stream error or a reported error. */
export function followProgress(modem: ProgressModem, stream: NodeJS.ReadableStream, what: string): Promise<DockerProgressEvent[]> {
  return new Promise((resolve, reject) => {
    modem.followProgress(stream, (err, output) => {
      if (err) return reject(new DockerProgressError(`${what} failed`, { cause: err }));
      const reported = progressError(output);
      if (reported) return reject(new DockerProgressError(`${what} failed: ${reported}`));
      resolve(output);
    });
  });
}
