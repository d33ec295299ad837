// The client against a real HTTP server on 127.0.0.1 that answers as told.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, apiPath } from './api-client.js';
import { ApiError, ApiUnavailableError } from './errors.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('ApiClient', () => {
  let server: Server;
  let url: string;
  let seen: Seen[] = [];
  let answer: (res: ServerResponse) => void = (res) => res.end('{}');

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        answer(res);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
  });

  const client = (timeoutMs?: number) => new ApiClient({ apiUrl: `${url}/`, token: 'slw_token', timeoutMs });
  const json = (status: number, body: unknown) => (res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  it("sends Heroku's Accept header, Bearer auth and JSON bodies", async () => {
    seen = [];
    answer = json(200, { ok: true });
    expect(await client().patch('/apps/x/config-vars', { A: 'b=c', B: null })).toEqual({ ok: true });
    expect(await client().get('/apps')).toEqual({ ok: true });
    expect(seen[0]).toMatchObject({
      method: 'PATCH',
      url: '/apps/x/config-vars',
      body: '{"A":"b=c","B":null}',
      headers: { accept: 'application/vnd.heroku+json; version=3', authorization: 'Bearer slw_token', 'content-type': 'application/json' },
    });
    expect(seen[1]!.headers['content-type']).toBeUndefined();
    expect(seen[1]!.body).toBe('');
  });

  it("turns the API's error shape into an ApiError with its message", async () => {
    answer = json(422, { id: 'invalid_params', message: "Couldn't find that process type (web)." });
    const error = await client().get('/apps/x/formation').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 422, id: 'invalid_params', message: "Couldn't find that process type (web).", exitCode: 1 });
  });

  it('describes answers that are not the Platform API', async () => {
    answer = (res) => {
      res.writeHead(502, 'Bad Gateway', { 'content-type': 'text/html' });
      res.end('<html>proxy error</html>');
    };
    await expect(client().get('/apps')).rejects.toThrow(new ApiUnavailableError(`The API at ${url} answered 502 Bad Gateway.`));
    answer = (res) => res.end('not json');
    await expect(client().get('/apps')).rejects.toThrow(/answered GET \/apps with something that is not JSON/);
  });

  it('gives up on a server that does not answer in time', async () => {
    answer = () => {}; // never answers; closeAllConnections ends it in afterAll
    await expect(client(200).get('/apps')).rejects.toThrow(`Could not reach the API at ${url} (no answer in time).`);
  });

  it('streams text bodies', async () => {
    seen = [];
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('one\n');
      res.end('two\n');
    };
    const body = await client().stream('/apps/x/logs?lines=2&tail=false');
    expect(await new Response(body).text()).toBe('one\ntwo\n');
    // text first: the version parameter must stay last for the API's Accept check
    expect(seen[0]!.headers.accept).toBe('text/plain, application/vnd.heroku+json; version=3');
  });
});

describe('apiPath', () => {
  it('encodes each value as one path segment', () => {
    expect(apiPath`/apps/${'my-app'}/dynos/${'web.1'}`).toBe('/apps/my-app/dynos/web.1');
    expect(apiPath`/apps/${'a/../b'}/domains/${'x?y#z'}`).toBe('/apps/a%2F..%2Fb/domains/x%3Fy%23z');
    expect(apiPath`/hosts`).toBe('/hosts');
  });
});
