// The brand a CLI package is built for: `brand.json` beside its package.json, written by
// `npm run build:cli -- --brand FILE` (scripts/build-cli.mjs); none: Slipway's own.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_BRAND, parseBrand, type Brand } from '../common/brand.js';

export const BRAND_FILE_NAME = 'brand.json';

export function packagedBrand(packageRoot: string): Brand {
  const path = join(packageRoot, BRAND_FILE_NAME);
  return existsSync(path) ? parseBrand(readFileSync(path, 'utf8'), path) : DEFAULT_BRAND;
}
