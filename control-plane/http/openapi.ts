// The Platform API's machine-readable schema (OpenAPI 3.1, served at /schema): made from the
// API's own route table, each route's spec (http/api-spec.ts: the zod schemas its handler
// validates with) and the JSON Schema of the response shapes (common/api-shapes.schema.json,
// generated from common/api-shapes.ts). Pure, but for reading that file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Router from '@koa/router';
import type Koa from 'koa';
import { z } from 'zod';
import type { ResponseSpec, RouteSpec, SpecMiddleware } from './api-spec.js';

export interface DocumentedRoute {
  method: string;
  /** As the router has it: `/apps/:app`. */
  path: string;
  spec: RouteSpec | null;
}

type JsonSchema = Record<string, unknown>;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** Routes reached without a token: the URL is the credential, or the resource is public. */
const OPEN = [/^\/healthz$/, /^\/schema$/, /^\/buildpacks\//, /^\/release-output\//, /^\/log-streams\//, /^\/auth\/sso\//, /^\/oauth\/token$/];

/** Every method and path the app's routers serve, with the spec declared on it. */
export function documentedRoutes(app: Koa): DocumentedRoute[] {
  const routes: DocumentedRoute[] = [];
  for (const middleware of app.middleware as unknown as { router?: Router }[]) {
    for (const layer of middleware.router?.stack ?? []) {
      const spec = (layer.stack as Partial<SpecMiddleware>[]).find((fn) => fn.routeSpec)?.routeSpec ?? null;
      for (const method of layer.methods.filter((m) => METHODS.includes(m))) routes.push({ method, path: String(layer.path), spec });
    }
  }
  return routes;
}

/** The shapes' JSON Schema, as committed beside common/api-shapes.ts. */
export function readShapeSchemas(root: string): Record<string, JsonSchema> {
  return (JSON.parse(readFileSync(join(root, 'common', 'api-shapes.schema.json'), 'utf8')) as { definitions: Record<string, JsonSchema> }).definitions;
}

function zodSchema(schema: z.ZodType): JsonSchema {
  // What a client sends (before defaults and coercion); refinements zod cannot express are left out.
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return json;
}

function successResponse(response: ResponseSpec): [string, JsonSchema] | null {
  const json = (schema: JsonSchema) => ({ content: { 'application/json': { schema } } });
  if ('shape' in response) {
    const ref = { $ref: `#/components/schemas/${response.shape}` };
    const described = json(response.list ? { type: 'array', items: ref } : ref);
    if (response.csv) Object.assign(described.content, { 'text/csv': { schema: { type: 'string' } } });
    return [String(response.status ?? 200), { description: 'OK', ...described }];
  }
  if ('emptyList' in response) return ['200', { description: 'None', ...json({ type: 'array', maxItems: 0 }) }];
  if ('emptyObject' in response) return [String(response.status ?? 200), { description: 'Accepted', ...json({ type: 'object', maxProperties: 0 }) }];
  if ('browser' in response) {
    if (response.browser === 'redirect') return ['302', { description: 'On to the identity provider', headers: { Location: { schema: { type: 'string' } } } }];
    return ['200', { description: 'A page for the browser', content: { 'text/html': { schema: { type: 'string' } } } }];
  }
  if ('stream' in response) {
    if (response.stream === 'binary') return ['200', { description: 'A file, streamed', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }];
    const type = response.stream === 'sse' ? 'text/event-stream' : 'text/plain';
    return ['200', { description: 'A stream of lines', content: { [type]: { schema: { type: 'string' } } } }];
  }
  return null;
}

function operation(route: DocumentedRoute & { spec: RouteSpec }, parameters: string[]): JsonSchema {
  const { spec } = route;
  const query = spec.query ? (zodSchema(spec.query) as { properties?: Record<string, JsonSchema>; required?: string[] }) : null;
  const success = successResponse(spec.response);
  return {
    operationId: `${route.method.toLowerCase()}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: spec.summary,
    ...(OPEN.some((pattern) => pattern.test(route.path)) ? { security: [] } : {}),
    parameters: [
      ...parameters.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries(query?.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', required: query?.required?.includes(name) ?? false, schema })),
    ],
    ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: zodSchema(spec.body) }, ...(spec.bodyAlsoForm ? { 'application/x-www-form-urlencoded': { schema: zodSchema(spec.body) } } : {}) } } } : {}),
    responses: {
      ...(success ? Object.fromEntries([success]) : {}),
      // A browser is shown its errors as a page.
      default:
        'browser' in spec.response
          ? { description: 'An error, as a page', content: { 'text/html': { schema: { type: 'string' } } } }
          : { description: 'An error, in the one error shape', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorJson' } } } },
    },
  };
}

/** The OpenAPI document; throws naming any route without a spec or with an unknown shape. */
export function openApiDocument(routes: readonly DocumentedRoute[], shapes: Record<string, JsonSchema>, info: { title: string; version: string }): JsonSchema {
  const undocumented = routes.filter((r) => !r.spec).map((r) => `${r.method} ${r.path}`);
  if (undocumented.length > 0) throw new Error(`routes without a spec: ${undocumented.join(', ')}`);
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes as (DocumentedRoute & { spec: RouteSpec })[]) {
    const response = route.spec.response;
    if ('shape' in response && !shapes[response.shape]) throw new Error(`${route.method} ${route.path}: no response shape ${response.shape} in common/api-shapes.ts`);
    const parameters = [...route.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]!);
    const path = route.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    (paths[path] ??= {})[route.method.toLowerCase()] = operation(route, parameters);
  }
  return {
    openapi: '3.1.0',
    info: { ...info, description: "Heroku's Platform API v3, as this platform serves it: send Accept: application/vnd.heroku+json; version=3." },
    paths,
    components: { schemas: shapes, securitySchemes: { token: { type: 'http', scheme: 'bearer' } } },
    security: [{ token: [] }],
  };
}
