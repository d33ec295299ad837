// The router's named errors, each with its cause.

export class RouterError extends Error {
  override name = 'RouterError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

/** HAProxy answered a Runtime API command with something other than success. */
export class RuntimeApiError extends RouterError {
  override name = 'RuntimeApiError';
  constructor(
    readonly command: string,
    readonly answer: string,
    options: { cause?: unknown } = {},
  ) {
    super(`HAProxy refused "${command}": ${answer.trim().slice(0, 300) || '(no answer)'}`, options);
  }
}

/** HAProxy is missing, rejected its configuration, or did not become ready. */
export class HaproxyStartError extends RouterError {
  override name = 'HaproxyStartError';
}
