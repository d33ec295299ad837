// The release phase in the Releaser (real Redis; the one-off run is scripted): a release whose
// code defines `release` stays pending while its command runs, becomes current and rolls out
// only when it exits 0, and otherwise is failed while the previous release stays current.
import { describe, expect, it } from 'vitest';
import { SlipwayError } from '../../common/errors.js';
import type { App, ImageRef, Release } from '../../common/types.js';
import { useTestRedis } from '../../test/support/redis.js';
import type { OneOffOutcome } from '../one-offs/runner.js';
import { AppStore } from '../store/apps.js';
import { ReleaseStore } from '../store/releases.js';
import { releasePhaseCommand, Releaser, scalableProcessTypes, type PhaseOutput } from './service.js';

const redisClient = useTestRedis();

const image = (n: number): ImageRef => ({ repository: 'apps/shop', digest: `sha256:${String(n).repeat(64).slice(0, 64)}` });
const code = (n: number, release?: string) => ({
  id: `b-${n}`,
  image: image(n),
  processTypes: { web: 'node server.js', ...(release ? { release } : {}) },
  sourceVersion: `${n}`.repeat(40),
  stack: 'bookworm',
});

interface PhaseCall {
  release: Release;
  command: string;
  currentMeanwhile: number | null;
  finish: (outcome: OneOffOutcome | Error) => void;
  output: PhaseOutput;
}

/** A Releaser whose release phases wait until the test finishes them. */
async function setUp(name: string) {
  const redis = redisClient();
  const apps = new AppStore(redis, 'bookworm');
  const releases = new ReleaseStore(redis);
  const calls: PhaseCall[] = [];
  const rollOuts: number[] = [];
  const warnings: string[] = [];
  let nextCall: (call: PhaseCall) => void = () => {};
  const releaser = new Releaser(
    apps,
    releases,
    {
      tagImage: async () => {},
      rollOut: () => void releases.current(app.id).then((r) => rollOuts.push(r!.version)),
      runReleasePhase: async (_app, release, command, output) => {
        const currentMeanwhile = (await releases.current(app.id))?.version ?? null;
        return new Promise<OneOffOutcome>((resolve, reject) => {
          const call = { release, command, currentMeanwhile, output, finish: (o: OneOffOutcome | Error) => (o instanceof Error ? reject(o) : resolve(o)) };
          calls.push(call);
          nextCall(call);
        });
      },
      warn: (message) => warnings.push(message),
    },
    { maxVars: 100, maxNameBytes: 100, maxValueBytes: 1000, maxTotalBytes: 10000 },
  );
  const app: App = await apps.create(name, { id: 'u-1', email: 'a@example.com', admin: false, createdAt: new Date().toISOString() });
  const phaseStarted = () => new Promise<PhaseCall>((resolve) => (nextCall = resolve));
  return { apps, releases, releaser, app, calls, rollOuts, warnings, phaseStarted };
}

describe('release phase', () => {
  it('runs the release command of the new code with the new config before the release becomes current', async () => {
    const { apps, releases, releaser, app, rollOuts, phaseStarted } = await setUp('phase-ok');
    await releaser.changeConfig(app, { LABEL: 'first' }, 'Set LABEL');
    const v2 = await releaser.fromBuild(app, code(1));
    expect(v2.status).toBe('succeeded');

    const lines: string[] = [];
    const started = phaseStarted();
    const deploying = releaser.fromBuild(app, code(2, 'node migrate.js'), (line) => lines.push(line));
    const call = await started;
    expect(call.command).toBe('node migrate.js');
    expect(call.release).toMatchObject({ version: 3, status: 'pending', image: image(2), config: { LABEL: 'first' } });
    expect(call.currentMeanwhile).toBe(2);
    expect((await releases.get(app.id, 3))?.status).toBe('pending');
    call.output('migrated');
    call.finish({ exitCode: 0, reason: 'exited with code 0' });

    const v3 = await deploying;
    expect(v3).toMatchObject({ version: 3, status: 'succeeded' });
    expect(lines).toEqual(['migrated']);
    expect((await releases.current(app.id))?.version).toBe(3);
    await expect.poll(() => rollOuts.at(-1)).toBe(3);
    expect((await apps.formation(app.id)).map((f) => f.type)).toEqual(['web']);
  });

  it('fails the release when the command fails or cannot start, and leaves the previous one current', async () => {
    const { releases, releaser, app, rollOuts, phaseStarted } = await setUp('phase-fails');
    await releaser.fromBuild(app, code(1));
    await expect.poll(() => rollOuts).toEqual([1]);

    let started = phaseStarted();
    let deploying = releaser.fromBuild(app, code(2, 'node migrate.js'));
    (await started).finish({ exitCode: 3, reason: 'exited with code 3' });
    expect(await deploying).toMatchObject({ version: 2, status: 'failed', failure: 'Release command failed: exited with code 3.' });

    started = phaseStarted();
    deploying = releaser.fromBuild(app, code(3, 'node migrate.js'));
    (await started).finish(new SlipwayError('no_capacity', 'No host has 512 MB free to run release.3.', { status: 503 }));
    expect(await deploying).toMatchObject({ version: 3, status: 'failed', failure: 'Release command failed: No host has 512 MB free to run release.3..' });

    expect((await releases.current(app.id))?.version).toBe(1);
    expect((await releases.get(app.id, 2))?.status).toBe('failed');
    await new Promise((r) => setTimeout(r, 50));
    expect(rollOuts).toEqual([1]);
  });

  it('answers a config change at once with a pending release, settles it in the background, and cuts the next change after it', async () => {
    const { releases, releaser, app, phaseStarted, warnings } = await setUp('phase-config');
    let started = phaseStarted();
    const deploying = releaser.fromBuild(app, code(1, 'node migrate.js'));
    (await started).finish({ exitCode: 0, reason: 'exited with code 0' });
    await deploying;

    started = phaseStarted();
    const changed = await releaser.changeConfig(app, { LABEL: 'second' }, 'Set LABEL');
    expect(changed.release).toMatchObject({ version: 2, status: 'pending', config: { LABEL: 'second' } });
    const phase = await started;
    expect(phase.release.config).toEqual({ LABEL: 'second' });

    // a second change waits for the first one's phase
    let secondDone = false;
    const second = releaser.changeConfig(app, { OTHER: 'x' }, 'Set OTHER').then((r) => ((secondDone = true), r));
    await new Promise((r) => setTimeout(r, 100));
    expect(secondDone).toBe(false);
    started = phaseStarted();
    phase.finish({ exitCode: 1, reason: 'exited with code 1' });
    const next = await second;
    expect(next.release).toMatchObject({ version: 3, status: 'pending', image: image(1) });
    (await started).finish({ exitCode: 0, reason: 'exited with code 0' });
    await expect.poll(async () => (await releases.current(app.id))?.version).toBe(3);
    expect((await releases.get(app.id, 2))?.status).toBe('failed');
    expect(warnings).toEqual([]);
  });

  it('runs the release phase of the release a rollback copies', async () => {
    const { releases, releaser, app, phaseStarted } = await setUp('phase-rollback');
    let started = phaseStarted();
    const first = releaser.fromBuild(app, code(1, 'node migrate.js'));
    (await started).finish({ exitCode: 0, reason: 'exited with code 0' });
    await first;
    await releaser.fromBuild(app, code(2));

    started = phaseStarted();
    const rolled = await releaser.rollback(app, 1);
    expect(rolled).toMatchObject({ version: 3, status: 'pending', image: image(1) });
    const call = await started;
    expect(call.command).toBe('node migrate.js');
    call.finish({ exitCode: 0, reason: 'exited with code 0' });
    await expect.poll(async () => (await releases.current(app.id))?.version).toBe(3);
  });
});

describe('releasePhaseCommand and scalableProcessTypes', () => {
  it('has a command only with an image and a release process type', () => {
    expect(releasePhaseCommand({ image: image(1), processTypes: { web: 'a', release: 'b' } })).toBe('b');
    expect(releasePhaseCommand({ image: null, processTypes: { release: 'b' } })).toBeNull();
    expect(releasePhaseCommand({ image: image(1), processTypes: { web: 'a' } })).toBeNull();
  });

  it('never scales release', () => {
    expect(scalableProcessTypes({ web: 'a', release: 'b', worker: 'c' })).toEqual(['web', 'worker']);
  });
});
