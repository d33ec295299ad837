// Named error classes with a cause (nats.js style). `expose` separates what a user may see
// from internal failures (Koa style); `id` is the stable machine-readable code of the
// Platform API's one error shape: {"id": "...", "message": "..."}.

export class SlipwayError extends Error {
  override name = 'SlipwayError';
  readonly id: string;
  readonly status: number;
  readonly expose: boolean;

  constructor(id: string, message: string, options: { status?: number; expose?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.id = id;
    this.status = options.status ?? 500;
    this.expose = options.expose ?? this.status < 500;
  }
}

export class BadRequestError extends SlipwayError {
  override name = 'BadRequestError';
  constructor(message: string, cause?: unknown) {
    super('bad_request', message, { status: 400, cause });
  }
}

export class UnauthorizedError extends SlipwayError {
  override name = 'UnauthorizedError';
  constructor(message = 'Invalid credentials provided.') {
    super('unauthorized', message, { status: 401 });
  }
}

export class ForbiddenError extends SlipwayError {
  override name = 'ForbiddenError';
  constructor(message = 'You do not have access to this resource.') {
    super('forbidden', message, { status: 403 });
  }
}

export class NotFoundError extends SlipwayError {
  override name = 'NotFoundError';
  constructor(message: string) {
    super('not_found', message, { status: 404 });
  }
}

export class ConflictError extends SlipwayError {
  override name = 'ConflictError';
  constructor(message: string) {
    super('conflict', message, { status: 409 });
  }
}

export class InvalidParamsError extends SlipwayError {
  override name = 'InvalidParamsError';
  constructor(message: string) {
    super('invalid_params', message, { status: 422 });
  }
}

export class ConfigError extends SlipwayError {
  override name = 'ConfigError';
  constructor(message: string) {
    super('config_invalid', message, { status: 500, expose: true });
  }
}

/** The error's message with its causes, for logs (never for users: causes may hold internals). */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}
