// Integration: what the router does to requests and responses on their way (headers,
// streaming, WebSocket, bad input), with real HAProxy, Redis, NATS and backends on 127.0.0.1.
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendOf, echo, httpRequest, rawExchange, startBackend, startTestRouter, type TestBackend, type TestRouter, startRouteSources, type RouteSources } from './testing/router-fixtures.js';

let sources: RouteSources;
let router: TestRouter;
let app: TestBackend;
let firstUploadChunk: () => void = () => {};
let releaseDownload: () => void = () => {};
const upgraded: import('node:stream').Duplex[] = [];

const ONE_MIB = 1024 * 1024;
const download = randomBytes(ONE_MIB);

beforeAll(async () => {
  sources = await startRouteSources();
  app = await startBackend('app', (req, res, backend) => {
    if (req.url === '/hop') {
      res.setHeader('Connection', 'X-Backend-Secret');
      res.setHeader('X-Backend-Secret', 'for the next hop only');
      res.setHeader('Keep-Alive', 'timeout=5');
      res.end('ok');
      return;
    }
    if (req.url === '/raw-headers') {
      const lines: [string, string][] = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push([req.rawHeaders[i] ?? '', req.rawHeaders[i + 1] ?? '']);
      res.end(JSON.stringify(lines));
      return;
    }
    if (req.url === '/upload') {
      let first = true;
      const hash = createHash('sha256');
      let length = 0;
      req.on('data', (chunk: Buffer) => {
        if (first) firstUploadChunk();
        first = false;
        hash.update(chunk);
        length += chunk.length;
      });
      req.on('end', () => res.end(JSON.stringify({ sha256: hash.digest('hex'), length })));
      return;
    }
    if (req.url === '/download') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      // The first part, then the rest only once the client has it: a buffering proxy would stall here.
      res.write(download.subarray(0, 64 * 1024));
      new Promise<void>((resolve) => (releaseDownload = resolve)).then(() => res.end(download.subarray(64 * 1024)));
      return;
    }
    echo(req, res, backend);
  });
  app.server.on('upgrade', (req, socket) => {
    upgraded.push(socket);
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.write(wsFrame('hello from the app'));
    socket.on('data', (data: Buffer) => socket.write(wsFrame(`echo: ${readClientFrame(data)}`)));
  });
  router = await startTestRouter(sources.urls);
  await sources.publish({ appName: 'app', hostnames: ['app.localhost'], backends: [backendOf('app.web.1', app)] });
  await router.settled();
});

afterAll(async () => {
  await router?.stop();
  // Upgraded sockets are not the HTTP server's to close.
  for (const socket of upgraded) socket.destroy();
  app?.server.closeAllConnections();
  await app?.close();
  await sources?.stop();
});

describe('headers', () => {
  it('adds X-Forwarded-*, X-Request-Id and Via, and strips hop-by-hop headers', async () => {
    const res = await httpRequest(router.httpPort, 'app.localhost', '/headers', {
      headers: {
        'x-forwarded-for': '203.0.113.9',
        connection: 'X-Client-Secret',
        'x-client-secret': 'for the first hop only',
        'keep-alive': 'timeout=100',
        'proxy-connection': 'keep-alive',
        te: 'trailers',
      },
    });
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.body).headers as Record<string, string>;
    expect(seen['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-port']).toBe(String(router.httpPort));
    expect(seen['x-forwarded-host']).toBe('app.localhost');
    expect(seen['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.via).toBe('1.1 slipway');
    for (const hopByHop of ['x-client-secret', 'keep-alive', 'proxy-connection', 'te']) expect(seen[hopByHop]).toBeUndefined();
  });

  it("appends the client's address to its X-Forwarded-For in one header line, and drops Forwarded and X-Real-IP", async () => {
    const cases: { sent: Record<string, string | string[]>; expected: string }[] = [
      { sent: {}, expected: '127.0.0.1' },
      { sent: { 'x-forwarded-for': '203.0.113.9' }, expected: '203.0.113.9, 127.0.0.1' },
      // Two lines are one list (RFC 9110 §5.3): an app reading only one line must still see the router's entry last.
      { sent: { 'x-forwarded-for': ['203.0.113.9', '198.51.100.7, 192.0.2.1'] }, expected: '203.0.113.9, 198.51.100.7, 192.0.2.1, 127.0.0.1' },
      { sent: { 'x-forwarded-for': '' }, expected: '127.0.0.1' },
    ];
    const seen = [];
    for (const { sent } of cases) {
      const res = await httpRequest(router.httpPort, 'app.localhost', '/raw-headers', {
        headers: {
          ...sent,
          forwarded: 'for=203.0.113.9;proto=https',
          'x-real-ip': '203.0.113.9',
          'x-forwarded-proto': 'https',
          'x-forwarded-port': '443',
        },
      });
      expect(res.status).toBe(200);
      const lines = JSON.parse(res.body) as [string, string][];
      const values = (name: string) => lines.filter(([n]) => n.toLowerCase() === name).map(([, value]) => value);
      seen.push({ xForwardedFor: values('x-forwarded-for'), others: ['x-forwarded-proto', 'x-forwarded-port', 'forwarded', 'x-real-ip'].map(values) });
    }
    const others = [['http'], [String(router.httpPort)], [], []];
    expect(seen).toEqual(cases.map(({ expected }) => ({ xForwardedFor: [expected], others })));
  });

  it('keeps a valid client X-Request-Id and replaces an invalid one', async () => {
    const kept = await httpRequest(router.httpPort, 'app.localhost', '/', { headers: { 'x-request-id': 'abcdefghij-0123456789-kept' } });
    expect(JSON.parse(kept.body).headers['x-request-id']).toBe('abcdefghij-0123456789-kept');
    const replaced = await httpRequest(router.httpPort, 'app.localhost', '/', { headers: { 'x-request-id': 'short' } });
    expect(JSON.parse(replaced.body).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const twice = ['abcdefghij-0123456789-one', 'abcdefghij-0123456789-two'];
    const duplicated = await httpRequest(router.httpPort, 'app.localhost', '/', { headers: { 'x-request-id': twice } });
    expect(JSON.parse(duplicated.body).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('strips hop-by-hop headers from responses and adds Via', async () => {
    const res = await httpRequest(router.httpPort, 'app.localhost', '/hop');
    expect(res.body).toBe('ok');
    expect(res.headers['x-backend-secret']).toBeUndefined();
    expect(res.headers['keep-alive']).toBeUndefined();
    expect(res.headers.via).toBe('1.1 slipway');
  });
});

describe('streaming', () => {
  it('streams a large chunked upload to the app before the client has finished sending', async () => {
    const chunk = randomBytes(64 * 1024);
    const chunks = 256; // 16 MiB
    const appSawData = new Promise<void>((resolve) => (firstUploadChunk = resolve));
    const expected = createHash('sha256');
    const result = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: router.httpPort, path: '/upload', method: 'POST', headers: { host: 'app.localhost', 'transfer-encoding': 'chunked' } },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (part: Buffer) => parts.push(part));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
        },
      );
      req.on('error', reject);
      req.write(chunk);
      expected.update(chunk);
      // Only once the app has seen the first chunk does the client send the rest.
      appSawData.then(async () => {
        for (let i = 1; i < chunks; i++) {
          expected.update(chunk);
          if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        }
        req.end();
      });
    });
    const { status, body } = await result;
    expect(status).toBe(200);
    expect(JSON.parse(body)).toEqual({ sha256: expected.digest('hex'), length: chunks * chunk.length });
  });

  it('streams a 1 MiB download to the client before the app has finished sending', async () => {
    const received = await new Promise<Buffer>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: router.httpPort, path: '/download', headers: { host: 'app.localhost' } }, (res) => {
        const parts: Buffer[] = [];
        let released = false;
        res.on('data', (part: Buffer) => {
          parts.push(part);
          if (!released && Buffer.concat(parts).length >= 64 * 1024) {
            released = true;
            releaseDownload();
          }
        });
        res.on('end', () => resolve(Buffer.concat(parts)));
      });
      req.on('error', reject);
      req.end();
    });
    expect(received.length).toBe(ONE_MIB);
    expect(received.equals(download)).toBe(true);
  });
});

describe('WebSocket', () => {
  it('upgrades end to end and carries frames both ways', async () => {
    const messages = await new Promise<string[]>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: router.httpPort,
        path: '/socket',
        headers: {
          host: 'app.localhost',
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': randomBytes(16).toString('base64'),
        },
      });
      req.on('upgrade', (res, socket, head) => {
        expect(res.statusCode).toBe(101);
        const got: string[] = [];
        const onData = (data: Buffer) => {
          got.push(...readServerFrames(data));
          if (got.length === 1) socket.write(maskedClientFrame('ping from the client'));
          if (got.length === 2) {
            socket.destroy();
            resolve(got);
          }
        };
        // The first frame may arrive together with the 101 response.
        if (head.length > 0) onData(head);
        socket.on('data', onData);
      });
      req.on('error', reject);
      req.end();
    });
    expect(messages).toEqual(['hello from the app', 'echo: ping from the client']);
  });
});

describe('bad input', () => {
  const stillServing = async () => expect((await httpRequest(router.httpPort, 'app.localhost')).status).toBe(200);

  // HAProxy 2.6 rejects what its HTTP/1 parser cannot accept with its own built-in 400 page
  // (parser errors cannot use custom pages before HAProxy 2.8); what the router's rules reject
  // gets the branded page and its H26 code.
  it.each([
    ['a malformed request line', 'GARBAGE\r\n\r\n', false],
    ['oversized headers', `GET / HTTP/1.1\r\nHost: app.localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, false],
    ['an invalid Host', 'GET / HTTP/1.1\r\nHost: app.localhost/../evil\r\n\r\n', true],
    ['a Host with a space', 'GET / HTTP/1.1\r\nHost: app.localhost evil\r\n\r\n', true],
    ['two Host headers', 'GET / HTTP/1.1\r\nHost: app.localhost\r\nHost: other.localhost\r\n\r\n', false],
    ['no Host', 'GET / HTTP/1.1\r\n\r\n', true],
    ['conflicting Content-Length headers', 'POST / HTTP/1.1\r\nHost: app.localhost\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde', false],
    ['an unknown Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: app.localhost\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n', false],
  ] as const)('answers %s with 400 and closes the connection', async (_name, bytes, branded) => {
    const hitsBefore = app.hits;
    const { answer, closed } = await rawExchange(router.httpPort, bytes);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    if (branded) expect(answer.toLowerCase()).toContain('platform-error: h26');
    expect(closed).toBe(true);
    expect(app.hits).toBe(hitsBefore);
    await stillServing();
  });

  it('does not let Content-Length + Transfer-Encoding smuggle a second request', async () => {
    const hitsBefore = app.hits;
    const smuggled = 'GET /smuggled HTTP/1.1\r\nHost: app.localhost\r\n\r\n';
    const { answer, closed } = await rawExchange(
      router.httpPort,
      `POST /first HTTP/1.1\r\nHost: app.localhost\r\nContent-Length: ${5 + smuggled.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
    );
    // HAProxy 2.6 follows RFC 9112 §6.1: Transfer-Encoding wins, Content-Length is dropped and
    // the connection is closed after the response, so the trailing bytes are never a request.
    expect(closed).toBe(true);
    expect(answer.match(/HTTP\/1\.1 \d{3}/g)?.length).toBe(1);
    expect(answer).not.toContain('/smuggled');
    expect(app.hits - hitsBefore).toBeLessThanOrEqual(1);
    await stillServing();
  });
});

// Minimal WebSocket framing for the test: unmasked text frames from the server, masked from the client.
function wsFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
}

function maskedClientFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

function readClientFrame(data: Buffer): string {
  const length = data[1]! & 0x7f;
  const mask = data.subarray(2, 6);
  return Buffer.from(data.subarray(6, 6 + length).map((byte, i) => byte ^ mask[i % 4]!)).toString();
}

function readServerFrames(data: Buffer): string[] {
  const frames: string[] = [];
  for (let offset = 0; offset + 2 <= data.length; ) {
    const length = data[offset + 1]! & 0x7f;
    frames.push(data.subarray(offset + 2, offset + 2 + length).toString());
    offset += 2 + length;
  }
  return frames;
}
