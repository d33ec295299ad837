// Serves git's smart HTTP protocol through the real `git http-backend` (a CGI program):
// request headers become CGI variables, the body goes to its stdin, and its output (CGI
// headers, then the body) streams back as it is produced, so build output reaches the
// pusher live.
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transform } from 'node:stream';

export interface CgiRequest {
  method: string;
  /** Path below the project root, e.g. `/hello.git/info/refs` */
  pathInfo: string;
  query: string;
  headers: IncomingMessage['headers'];
  remoteUser: string;
  remoteAddr: string;
}

/** Pure: the environment `git http-backend` runs with. */
export function cgiEnv(request: CgiRequest, projectRoot: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    REQUEST_METHOD: request.method,
    PATH_INFO: request.pathInfo,
    QUERY_STRING: request.query,
    REMOTE_USER: request.remoteUser,
    REMOTE_ADDR: request.remoteAddr,
    SERVER_PROTOCOL: 'HTTP/1.1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    ...extra,
  };
  const optional: Record<string, string | undefined> = {
    CONTENT_TYPE: header('content-type'),
    CONTENT_LENGTH: header('content-length'),
    HTTP_CONTENT_ENCODING: header('content-encoding'),
    HTTP_GIT_PROTOCOL: header('git-protocol'),
  };
  for (const [name, value] of Object.entries(optional)) if (value !== undefined) env[name] = value;
  return env;
}

/** Pure: splits CGI output headers into a status and header pairs. */
export function parseCgiHeaders(block: string): { status: number; headers: [string, string][] } {
  let status = 200;
  const headers: [string, string][] = [];
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers.push([name, value]);
  }
  return { status, headers };
}

const HEADER_END = /\r?\n\r?\n/;

/** Runs git http-backend for one request, streaming both ways; resolves when it is done. The
 *  response body (after the CGI headers) goes through `bodyFilter` when one is given. */
export function serveGitCgi(
  req: IncomingMessage,
  res: ServerResponse,
  env: NodeJS.ProcessEnv,
  onExit: () => void = () => {},
  bodyFilter?: Transform,
): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let buffered = Buffer.alloc(0);
    let headersSent = false;
    let stderr = '';
    // A slow client pauses git's output (and so the build's) rather than filling memory.
    let waitingForDrain = false;
    const toClient = (chunk: Buffer) => {
      if (res.write(chunk) || waitingForDrain) return;
      waitingForDrain = true;
      child.stdout.pause();
      res.once('drain', () => {
        waitingForDrain = false;
        child.stdout.resume();
      });
    };
    bodyFilter?.on('data', toClient);
    const writeBody = (chunk: Buffer) => (bodyFilter ? bodyFilter.write(chunk) : toClient(chunk));
    req.pipe(child.stdin);
    child.stdin.on('error', () => {});
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) {
        writeBody(chunk);
        return;
      }
      buffered = Buffer.concat([buffered, chunk]);
      const text = buffered.toString('latin1');
      const match = HEADER_END.exec(text);
      if (!match) return;
      const { status, headers } = parseCgiHeaders(text.slice(0, match.index));
      res.statusCode = status;
      for (const [name, value] of headers) res.setHeader(name, value);
      res.setHeader('Cache-Control', 'no-cache');
      headersSent = true;
      const rest = buffered.subarray(Buffer.byteLength(text.slice(0, match.index + match[0].length), 'latin1'));
      if (rest.length > 0) writeBody(rest);
    });
    // The client went away mid-response (a request's own 'close' only means its body ended).
    res.on('close', () => {
      if (!res.writableFinished) child.kill('SIGTERM');
    });
    child.on('close', (code) => {
      onExit();
      if (!headersSent) {
        res.statusCode = 500;
        res.setHeader('Content-Type', 'text/plain');
        res.end(`git http-backend failed (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}\n`);
      } else if (bodyFilter) {
        bodyFilter.once('end', () => {
          res.end();
          resolve();
        });
        bodyFilter.end();
        return;
      } else {
        res.end();
      }
      resolve();
    });
  });
}
