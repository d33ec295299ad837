// The API's schema: generated from the route table, each route's spec and the response shapes;
// the committed shapes file is what the TypeScript types give now; a handler reads only the
// body its route declares.
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, NO_BUILDS, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
// @ts-expect-error: a plain JavaScript script, run by hand after changing a shape
import { generateShapesSchema, SHAPES_SCHEMA } from '../../scripts/api-shapes-schema.mjs';
import { readFile } from 'node:fs/promises';
import { bodyOf, spec } from './api-spec.js';

describe('the response shapes schema', () => {
  it('is what common/api-shapes.ts gives now (else: node scripts/api-shapes-schema.mjs)', async () => {
    expect(generateShapesSchema()).toBe(await readFile(SHAPES_SCHEMA, 'utf8'));
  }, 60_000);
});

describe('bodyOf', () => {
  it('reads a body only through the schema its route declares', async () => {
    const declared = z.object({ name: z.string() });
    const other = z.object({ name: z.string() });
    const router = new Router();
    router.post('/right', spec({ summary: 'right', body: declared, response: { emptyObject: true } }), (ctx) => {
      ctx.body = bodyOf(ctx, declared);
    });
    router.post('/wrong', spec({ summary: 'wrong', body: declared, response: { emptyObject: true } }), (ctx) => {
      ctx.body = bodyOf(ctx, other);
    });
    const app = new Koa();
    app.silent = true;
    app.use(bodyParser()).use(router.routes());
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const post = (path: string) => fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' });
    expect(await (await post('/right')).json()).toEqual({ name: 'x' });
    expect((await post('/wrong')).status).toBe(500);
    server.close();
  });
});

describe('GET /schema', () => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await startTestControlPlane({}, { builder: NO_BUILDS });
  });
  afterAll(async () => cp?.stop());

  it('is OpenAPI 3.1 for every route, served without a token', async () => {
    const { status, body } = await apiClient(cp.url, null)('GET', '/schema');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    const operations = Object.values(body.paths as Record<string, Record<string, unknown>>).flatMap((ops) => Object.keys(ops));
    expect(operations.length).toBeGreaterThan(100);
    const configVars = body.paths['/apps/{app}/config-vars'].patch;
    expect(configVars.parameters).toEqual([{ name: 'app', in: 'path', required: true, schema: { type: 'string' } }]);
    // The body schema is the handler's own zod schema: names, and string or null values.
    expect(configVars.requestBody.content['application/json'].schema).toMatchObject({ type: 'object', additionalProperties: { type: ['string', 'null'] } });
    expect(configVars.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ConfigVarsJson' });
    expect(body.paths['/teams'].post.requestBody.content['application/json'].schema).toMatchObject({ type: 'object', properties: { name: { type: 'string' } }, additionalProperties: false });
    expect(body.paths['/apps'].get.responses['200'].content['application/json'].schema).toEqual({ type: 'array', items: { $ref: '#/components/schemas/AppJson' } });
    expect(body.components.schemas.AppJson.required).toContain('git_url');
    expect(body.paths['/healthz'].get.security).toEqual([]);
    expect(body.paths['/apps/{app}'].get.security).toBeUndefined();
  });
});
