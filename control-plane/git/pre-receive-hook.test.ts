// The hook script run for real (/bin/sh, curl, awk) against a server on loopback that answers
// as the control plane does.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLine, parseHookRequest, preReceiveHookScript, pushHookEnvironment, resultLine } from './pre-receive-hook.js';

let dir: string;
let hook: string;
let server: Server;
let url: string;
let answer: (res: ServerResponse) => void = () => {};
const received: { authorization?: string; body: string }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-hook-'));
  hook = join(dir, 'pre-receive');
  await writeFile(hook, preReceiveHookScript());
  await chmod(hook, 0o755);
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ authorization: req.headers.authorization, body });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

function runHook(env: Record<string, string>, stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(hook, [], { env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // a hook that refuses may exit before reading its input (git ignores that too)
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

const update = `${'0'.repeat(40)} ${'a'.repeat(40)} refs/heads/main\n`;
const pushEnv = () => ({ ...pushHookEnvironment({ pushUrl: url, pushToken: 'push-secret-0123' }), GIT_QUARANTINE_PATH: '/g/app.git/objects/incoming-x' });

describe('the pre-receive hook', () => {
  it('posts the quarantine and the updates with the token, relays the output and exits 0 on success', async () => {
    received.length = 0;
    answer = (res) => {
      res.write(logLine('-----> Building'));
      // a line sent in pieces arrives whole
      res.write('       half a');
      setTimeout(() => res.end(` line\n${resultLine(true)}`), 50);
    };
    const result = await runHook(pushEnv(), update);
    expect(result).toEqual({ code: 0, stdout: '-----> Building\n       half a line\n', stderr: '' });
    expect(received).toHaveLength(1);
    expect(received[0]!.authorization).toBe('Bearer push-secret-0123');
    expect(parseHookRequest(received[0]!.body)).toEqual({ quarantine: '/g/app.git/objects/incoming-x', refLines: update });
  });

  it('exits 1 when the build failed, after its lines', async () => {
    answer = (res) => res.end(`${logLine(' !     The build failed')}${resultLine(false)}`);
    expect(await runHook(pushEnv(), update)).toEqual({ code: 1, stdout: ' !     The build failed\n', stderr: '' });
  });

  it('does not take a build\'s own line for the result', async () => {
    answer = (res) => res.end(`${logLine('\x1eslipway-result ok')}${resultLine(false)}`);
    expect(await runHook(pushEnv(), update)).toMatchObject({ code: 1, stdout: '?slipway-result ok\n' });
  });

  it('exits 1 and says so when the reply ends without a result', async () => {
    answer = (res) => res.end(logLine('-----> Building'));
    expect(await runHook(pushEnv(), update)).toMatchObject({ code: 1, stdout: '-----> Building\n !     Lost contact with the platform before the build finished.\n' });
  });

  it('exits 1 when the platform cannot be reached', async () => {
    const result = await runHook({ ...pushEnv(), SLIPWAY_PUSH_URL: 'http://127.0.0.1:1' }, update);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Lost contact/);
    expect(result.stderr).toMatch(/curl: \(7\)/);
  });

  it('refuses a push that did not come through the platform', async () => {
    received.length = 0;
    const result = await runHook({}, update);
    expect(result).toMatchObject({ code: 1, stdout: expect.stringMatching(/did not come through the platform/) });
    expect(received).toEqual([]);
  });
});
