// A small client for the Platform API: Heroku's Accept header, Bearer auth, JSON in and out,
// and the API's one error shape {"id", "message"} turned into an ApiError with that message.
import { ApiError, ApiUnavailableError } from './errors.js';

const ACCEPT = 'application/vnd.heroku+json; version=3';
const DEFAULT_TIMEOUT_MS = 30_000;

export interface ApiClientOptions {
  apiUrl: string;
  /** An API token (Bearer); null for the requests made before there is one (sign-up, password login). */
  token: string | null;
  /** Basic credentials instead (password login, Heroku's `login -i`). */
  basic?: { user: string; password: string };
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/** A URL path with each interpolated value encoded as one path segment: apiPath`/apps/${name}`. */
export function apiPath(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce((path, part, i) => path + part + (i < values.length ? encodeURIComponent(String(values[i])) : ''), '');
}

function transportProblem(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if ((err as Error).name === 'TimeoutError') return 'no answer in time';
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

export class ApiClient {
  private readonly apiUrl: string;
  private readonly authorization: string | null;
  private readonly timeoutMs: number;
  private readonly fetch: typeof globalThis.fetch;

  constructor(options: ApiClientOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, '');
    this.authorization = options.basic
      ? `Basic ${Buffer.from(`${options.basic.user}:${options.basic.password}`).toString('base64')}`
      : options.token
        ? `Bearer ${options.token}`
        : null;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  get<T>(path: string): Promise<T> {
    return this.json<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.json<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>('PUT', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>('PATCH', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.json<T>('DELETE', path);
  }

  /**
   * A text response as a stream of chunks (logs). No time limit: it lasts as long as the
   * server keeps it open or until `signal` aborts.
   */
  async stream(path: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const response = await this.send('GET', path, undefined, { signal, accept: `text/plain, ${ACCEPT}` });
    if (!response.ok) throw await this.errorFrom(response);
    if (!response.body) throw new ApiUnavailableError(`The API at ${this.apiUrl} sent no body for ${path}.`);
    return response.body;
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const response = await this.send(method, path, body, { signal, accept: ACCEPT });
    if (!response.ok) throw await this.errorFrom(response);
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      throw new ApiUnavailableError(`The API at ${this.apiUrl} broke off its answer to ${method} ${path} (${transportProblem(err)}).`, { cause: err });
    }
    try {
      return (text ? JSON.parse(text) : null) as T;
    } catch (err) {
      throw new ApiUnavailableError(`The API at ${this.apiUrl} answered ${method} ${path} with something that is not JSON.`, { cause: err });
    }
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    options: { signal?: AbortSignal; accept: string },
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: options.accept };
    if (this.authorization) headers.authorization = this.authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.fetch(`${this.apiUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: options.signal,
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiUnavailableError(`Could not reach the API at ${this.apiUrl} (${transportProblem(err)}).`, { cause: err });
    }
  }

  private async errorFrom(response: Response): Promise<ApiError | ApiUnavailableError> {
    const text = await response.text().catch(() => '');
    try {
      const body = JSON.parse(text) as { id?: unknown; message?: unknown };
      if (typeof body.id === 'string' && typeof body.message === 'string') return new ApiError(response.status, body.id, body.message);
    } catch {
      // not the API's error shape: described below
    }
    return new ApiUnavailableError(`The API at ${this.apiUrl} answered ${response.status} ${response.statusText}.`);
  }
}
