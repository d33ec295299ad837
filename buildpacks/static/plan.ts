// The static site's decisions (pure): when an app is a static site, which directory is served,
// which processes it runs, and the script that starts nginx.
import type { Buildpack } from '../buildpack.js';
import { LISTEN_FILE, RUN_DIR } from './nginx-config.js';
import { STATIC_JSON } from './static-json.js';

/** The static buildpack's layer in the image: nginx.conf and bin/start-nginx. */
export const STATIC_LAYER_DIR = '/layers/static';
export const NGINX_CONF = `${STATIC_LAYER_DIR}/nginx.conf`;
export const START_NGINX = `${STATIC_LAYER_DIR}/bin/start-nginx`;

/** Where build tools put a site when static.json names no root, in order of preference. */
export const BUILD_OUTPUT_DIRS = ['dist', 'public', 'public_html'] as const;

/**
 * static.json makes any app a static site (another language's buildpack, if one detects the
 * app, then builds it first); a bare index.html does only when no language claims the app.
 */
export function detectStaticSite(rootFiles: ReadonlySet<string>, languages: readonly Pick<Buildpack, 'detect'>[]): boolean {
  if (rootFiles.has(STATIC_JSON)) return true;
  return rootFiles.has('index.html') && !languages.some((language) => language.detect(rootFiles));
}

/** The language buildpack that builds the site first (Node.js for a Vite app), if any detects it. */
export function buildStepFor<B extends Pick<Buildpack, 'detect'>>(rootFiles: ReadonlySet<string>, languages: readonly B[]): B | null {
  return languages.find((language) => language.detect(rootFiles)) ?? null;
}

/**
 * The served directory, relative to the app: static.json's `root`; else, after a build step,
 * the first build output directory there is (null when there is none: serving the app's
 * source instead would be a surprise); else the app itself when it has an index.html at its
 * root (a hand-written site), else a build output directory that was committed.
 */
export function chooseRoot(input: { configured?: string; built: boolean; rootIndex: boolean; directories: ReadonlySet<string> }): string | null {
  if (input.configured !== undefined) return input.configured;
  const output = BUILD_OUTPUT_DIRS.find((dir) => input.directories.has(dir));
  if (input.built) return output ?? null;
  return input.rootIndex ? '.' : (output ?? '.');
}

/** Procfile types win; the default web process is nginx. */
export function staticProcessTypes(procfile: Record<string, string> | null): Record<string, string> {
  return { web: START_NGINX, ...procfile };
}

/**
 * Run at start as the app user: the one line that depends on the environment (the port) is
 * written under /tmp and included by the fixed nginx.conf; no envsubst, no root. Arguments
 * go to nginx (`start-nginx -t` checks the configuration). The platform stops instances with
 * SIGTERM, which is nginx's fast shutdown (open connections cut); the script turns it into
 * SIGQUIT, nginx's graceful one, as Heroku apps are expected to finish what they serve.
 */
export function startNginxScript(): string {
  return [
    '#!/bin/bash',
    "# Starts the static site's nginx on $PORT as the app user (written by Slipway's static buildpack).",
    'set -euo pipefail',
    'port="${PORT:-5000}"',
    'if [[ ! "$port" =~ ^[0-9]{1,5}$ ]]; then',
    '  echo "start-nginx: PORT must be a port number, not \'$port\'" >&2',
    '  exit 1',
    'fi',
    `mkdir -p ${RUN_DIR}`,
    `printf 'listen %s;\\n' "$port" > ${LISTEN_FILE}`,
    `nginx -p ${RUN_DIR}/ -e stderr -c ${NGINX_CONF} "$@" &`,
    'nginx=$!',
    'trap \'kill -QUIT "$nginx" 2>/dev/null || true\' TERM INT',
    'while true; do',
    '  status=0',
    '  wait "$nginx" || status=$?',
    '  # a trapped signal ends `wait` early: wait again until nginx itself has exited',
    '  kill -0 "$nginx" 2>/dev/null || exit "$status"',
    'done',
    '',
  ].join('\n');
}
