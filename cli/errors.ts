// What the CLI reports to its user: a message on stderr and an exit code, never a stack trace.
// The cause is kept for callers that want it, but it is not printed (it may hold internals).

export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number;

  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Bad arguments or options: the user can fix the command line. */
export class UsageError extends CliError {
  override name = 'UsageError';
}

/** The Platform API answered with its error shape {"id", "message"}. */
export class ApiError extends CliError {
  override name = 'ApiError';
  readonly status: number;
  readonly id: string;

  constructor(status: number, id: string, message: string) {
    super(message);
    this.status = status;
    this.id = id;
  }
}

/** The API could not be reached or answered something that is not the Platform API. */
export class ApiUnavailableError extends CliError {
  override name = 'ApiUnavailableError';
}

export class NotLoggedInError extends CliError {
  override name = 'NotLoggedInError';
  constructor(command = 'slipway') {
    super(`Not logged in: run \`${command} login --api <url> --token <token>\`, or set SLIPWAY_API_URL and SLIPWAY_API_TOKEN.`);
  }
}
