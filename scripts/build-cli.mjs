#!/usr/bin/env node
// `npm run build:cli -- --brand FILE [--out DIR]`: the provider's own CLI as an installable npm
// package (a tarball from `npm pack`): its package name `<cli_command>-cli`, its bin named
// `<cli_command>`, its config directory `~/.config/<cli_command>`, and the brand file inside it
// (cli/brand.ts reads it). The package holds the compiled CLI and what it imports, nothing else;
// its dependencies are those imports' npm packages at the versions this repository pins.
// Operators' `infra` (Pulumi, loaded only when run) is not in it: that stays in this repository.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({ options: { brand: { type: 'string' }, out: { type: 'string' } } });
if (!values.brand) {
  console.error('usage: npm run build:cli -- --brand FILE [--out DIR]');
  process.exit(2);
}

function run(argv, cwd) {
  const result = spawnSync(argv[0], argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (result.status !== 0) {
    console.error(`build:cli: ${argv.join(' ')} failed`);
    process.exit(result.status ?? 1);
  }
  return result.stdout;
}

run([process.execPath, join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], root);
const dist = join(root, 'dist');
const { parseBrand } = await import(pathToFileURL(join(dist, 'common', 'brand.js')).href);
const { parse: parseYaml } = await import('yaml');
const brandPath = resolve(values.brand);
const brandText = readFileSync(brandPath, 'utf8');
let brand;
try {
  brand = parseBrand(brandText, brandPath);
} catch (err) {
  console.error(`build:cli: ${err.message}`);
  process.exit(1);
}

/** The compiled files the CLI's entry reaches through static imports, and the npm packages they name. */
function closure(entry) {
  const files = new Set();
  const packages = new Set();
  const pending = [entry];
  const importPattern = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;
  while (pending.length > 0) {
    const file = pending.pop();
    if (files.has(file)) continue;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(importPattern)) {
      const specifier = match[1] ?? match[2];
      if (specifier.startsWith('node:')) continue;
      if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier));
      else packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
    }
    // dynamic imports of packages the CLI needs at run time (a password prompt, not Pulumi)
    for (const match of text.matchAll(/import\(\s*['"]([^'".][^'"]*)['"]\s*\)/g)) {
      const name = match[1].startsWith('@') ? match[1].split('/').slice(0, 2).join('/') : match[1].split('/')[0];
      if (!name.startsWith('@pulumi/')) packages.add(name);
    }
  }
  return { files, packages };
}

const entry = join(dist, 'cli', 'main.js');
const { files, packages } = closure(entry);
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pinned = { ...rootPackage.devDependencies, ...rootPackage.dependencies };
const dependencies = {};
for (const name of [...packages].sort()) {
  if (!pinned[name]) {
    console.error(`build:cli: the CLI imports ${name}, which package.json does not list`);
    process.exit(1);
  }
  dependencies[name] = pinned[name];
}

const out = resolve(values.out ?? join(root, 'dist-cli'));
const staging = join(out, `${brand.cliCommand}-cli`);
rmSync(staging, { recursive: true, force: true });
for (const file of files) {
  const target = join(staging, 'dist', relative(dist, file));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(file, target);
}
writeFileSync(join(staging, 'brand.json'), `${JSON.stringify(parseYaml(brandText), null, 2)}\n`);
writeFileSync(
  join(staging, 'package.json'),
  `${JSON.stringify(
    {
      name: `${brand.cliCommand}-cli`,
      version: rootPackage.version,
      description: `${brand.name}: git push to deploy, scale from the command line`,
      type: 'module',
      bin: { [brand.cliCommand]: 'dist/cli/main.js' },
      engines: rootPackage.engines,
      ...(brand.supportUrl ? { homepage: brand.supportUrl } : {}),
      dependencies,
    },
    null,
    2,
  )}\n`,
);
writeFileSync(join(staging, 'README.md'), `# ${brand.name} CLI\n\nInstall: \`npm install -g ${brand.cliCommand}-cli\`, then \`${brand.cliCommand} login\`.\n`);
const tarball = run(['npm', 'pack', '--json', '--pack-destination', out], staging);
const [{ filename }] = JSON.parse(tarball);
if (!existsSync(join(out, filename))) {
  console.error(`build:cli: npm pack made no ${filename}`);
  process.exit(1);
}
console.log(join(out, filename));
