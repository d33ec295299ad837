#!/usr/bin/env node
// Writes common/api-shapes.schema.json: JSON Schema for every response shape of
// common/api-shapes.ts, generated from those TypeScript types (which the control plane builds
// its answers with and the CLI reads them as). /schema serves them; a test regenerates them
// and fails when the committed file is stale. Run after changing a shape:
//   node scripts/api-shapes-schema.mjs
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGenerator } from 'ts-json-schema-generator';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
export const SHAPES_SOURCE = join(root, 'common', 'api-shapes.ts');
export const SHAPES_SCHEMA = join(root, 'common', 'api-shapes.schema.json');

/** { definitions } for every exported type of api-shapes.ts, refs as #/components/schemas/<name>. */
export function generateShapesSchema() {
  const generator = createGenerator({ path: SHAPES_SOURCE, tsconfig: join(root, 'tsconfig.json'), expose: 'export', topRef: false, skipTypeCheck: true, additionalProperties: false, jsDoc: 'basic' });
  const names = [...new Set([...generator.getRootNodes('*')].map((node) => node.name?.text).filter(Boolean))].sort();
  const definitions = {};
  for (const name of names) {
    const { $schema, definitions: nested = {}, ...schema } = generator.createSchema(name);
    Object.assign(definitions, nested, { [name]: schema });
  }
  const text = JSON.stringify({ definitions: Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b))) }, null, 2);
  return `${text.replaceAll('"#/definitions/', '"#/components/schemas/')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) writeFileSync(SHAPES_SCHEMA, generateShapesSchema());
