// Named errors of the builder. BuildError is the one a user sees (streamed to `git push`);
// the others are internal and reach users only wrapped in a BuildError's generic message.
import { SlipwayError } from '../common/errors.js';

export class BuildError extends SlipwayError {
  override name = 'BuildError';
  /** The reason in one sentence, without the output tail. */
  readonly reason: string;
  /** The last lines the failing step printed (may be empty). */
  readonly outputTail: readonly string[];
  /** True when the platform failed rather than the app (details are in `cause`, not in the message). */
  readonly internal: boolean;
  /** True when the output tail was already streamed to the build log (so it is not repeated there). */
  readonly tailLogged: boolean;

  constructor(
    reason: string,
    options: { outputTail?: readonly string[]; cause?: unknown; internal?: boolean; tailLogged?: boolean } = {},
  ) {
    const tail = options.outputTail ?? [];
    const message = tail.length > 0 ? `${reason}\n${tail.map((line) => `       ${line}`).join('\n')}` : reason;
    super('build_failed', message, { status: 422, expose: true, cause: options.cause });
    this.reason = reason;
    this.outputTail = tail;
    this.internal = options.internal ?? false;
    this.tailLogged = options.tailLogged ?? false;
  }

  /** Wraps a platform failure: the user learns that it was not their fault, operators get the cause. */
  static internal(cause: unknown): BuildError {
    return new BuildError('The build failed because of an internal error in the platform; its operators can see the details.', {
      cause,
      internal: true,
    });
  }
}

export class StackError extends SlipwayError {
  override name = 'StackError';
  constructor(message: string, cause?: unknown) {
    super('stack_failed', message, { status: 500, cause });
  }
}

/** apt found no installable package of these names on the stack (Debian's release has none). */
export class PackagesUnavailableError extends SlipwayError {
  override name = 'PackagesUnavailableError';
  readonly packages: readonly string[];
  constructor(packages: readonly string[], base: string) {
    super('packages_unavailable', `${base} offers no package ${packages.join(', ')}`, { status: 422 });
    this.packages = packages;
  }
}

/** An add-on plan asks for a server (a version) its stack does not offer: the user's choice, a 422. */
export class AddonVersionUnavailableError extends SlipwayError {
  override name = 'AddonVersionUnavailableError';
  constructor(message: string, cause?: unknown) {
    super('addon_version_unavailable', message, { status: 422, expose: true, cause });
  }
}

export class RegistryError extends SlipwayError {
  override name = 'RegistryError';
  /** HTTP status the registry answered with (0 when it could not be reached). */
  readonly httpStatus: number;

  constructor(message: string, httpStatus: number, cause?: unknown) {
    super('registry_error', message, { status: 502, cause });
    this.httpStatus = httpStatus;
  }
}

export class CommandError extends SlipwayError {
  override name = 'CommandError';
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly outputTail: readonly string[];

  constructor(argv: readonly string[], exitCode: number | null, outputTail: readonly string[]) {
    super('command_failed', `'${argv.join(' ')}' failed with exit code ${exitCode}: ${outputTail.slice(-5).join(' | ')}`);
    this.argv = argv;
    this.exitCode = exitCode;
    this.outputTail = outputTail;
  }
}
