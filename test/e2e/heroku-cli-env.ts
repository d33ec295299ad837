// The stock Heroku CLI (npm `heroku`, pinned in devDependencies) as e2e tests run it: its entry
// point, and the environment a Heroku user would have, pointed at a platform and nowhere else
// (its own HOME; telemetry, update checks and Particleboard, Heroku's billing API, on loopback).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../common/entry-points.js';
import type { RunningPlatform } from './harness.js';

export const HEROKU_BIN = join(repoRoot(dirname(fileURLToPath(import.meta.url))), 'node_modules', 'heroku', 'bin', 'run.js');
// eslint-disable-next-line no-control-regex
export const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

export function herokuEnv(platform: Pick<RunningPlatform, 'endpoints' | 'home'>, home: string): Record<string, string> {
  const { api: apiUrl, token } = platform.endpoints;
  return {
    // `heroku run` joins its dyno over TLS (Heroku's rendezvous): trust the platform's certificate.
    NODE_EXTRA_CA_CERTS: platform.endpoints.tlsCertificate,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    HEROKU_HOST: apiUrl,
    HEROKU_API_KEY: token,
    // Heroku's git remotes are https://: the platform's TLS port.
    HEROKU_GIT_HOST: new URL(platform.endpoints.apiTls).host,
    // `GET /account` also asks Particleboard about payment delinquency: keep it on Slipway.
    HEROKU_PARTICLEBOARD_URL: apiUrl,
    // Buildpack names (`buildpacks:set heroku/nodejs`) are looked up in the platform's registry.
    HEROKU_BUILDPACK_REGISTRY_URL: apiUrl,
    DISABLE_TELEMETRY: 'true',
    HEROKU_DISABLE_AUTOUPDATE: 'true',
    HEROKU_SKIP_NEW_VERSION_CHECK: 'true',
    NO_COLOR: '1',
    COLUMNS: '200',
    GIT_TERMINAL_PROMPT: '0',
  };
}

export interface HerokuRun {
  code: number | null;
  /** stdout and stderr together, without colours */
  out: string;
  stdout: string;
}

/** Runs `heroku <args>` in `cwd` with `env` (herokuEnv's); killed after `timeoutMs`. */
export function runHeroku(args: readonly string[], env: Record<string, string>, cwd: string, timeoutMs = 90_000): Promise<HerokuRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HEROKU_BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: out.replace(ANSI, ''), stdout: stdout.replace(ANSI, '') });
    });
  });
}
