// Concurrent config changes (real Redis): the current release always carries every var the
// app's config has. The interleaving that loses one is forced: the first change's read of the
// config is slow (as over a busy network), while a second change completes meanwhile.
import { expect, test } from 'vitest';
import { useTestRedis } from '../../test/support/redis.js';
import { AppStore } from '../store/apps.js';
import { ReleaseStore } from '../store/releases.js';
import { Releaser } from './service.js';

/** An AppStore whose next config read answers only when released. */
class SlowConfigReads extends AppStore {
  private gate: Promise<void> | null = null;
  private open: () => void = () => {};
  readStarted: () => void = () => {};

  private skip = 0;

  /** Holds the config read after `skip` others (a change reads it back, then its release reads it). */
  holdConfigRead(skip: number): { started: Promise<void>; release: () => void } {
    const started = new Promise<void>((resolve) => (this.readStarted = resolve));
    this.gate = new Promise<void>((resolve) => (this.open = resolve));
    this.skip = skip;
    return { started, release: () => this.open() };
  }

  override async config(appId: string): Promise<Record<string, string>> {
    const config = await super.config(appId);
    const gate = this.gate;
    if (gate && this.skip-- === 0) {
      this.gate = null;
      this.readStarted();
      await gate;
    }
    return config;
  }
}

const redisClient = useTestRedis();

test('a change that completes while another reads the config does not go missing from the current release', async () => {
  const redis = redisClient();
  const apps = new SlowConfigReads(redis, 'bookworm');
  const releases = new ReleaseStore(redis);
  const releaser = new Releaser(apps, releases, { tagImage: async () => {}, rollOut: () => {}, runReleasePhase: () => Promise.reject(new Error('no release phase here')), warn: () => {} }, { maxVars: 100, maxNameBytes: 100, maxValueBytes: 100, maxTotalBytes: 1000 });
  const app = await apps.create('racy-config', { id: 'u-1', email: 'a@example.com', admin: false, createdAt: new Date().toISOString() });

  // the first change reads the config (for its limits and the release it cuts): hold that read
  const hold = apps.holdConfigRead(0);
  const first = releaser.changeConfig(app, { FIRST: '1' }, 'Set FIRST config vars');
  const second = (async () => {
    await hold.started;
    const done = releaser.changeConfig(app, { SECOND: '2' }, 'Set SECOND config vars');
    // let the second change run as far as it can before the first one's read answers
    await new Promise((r) => setTimeout(r, 200));
    hold.release();
    return done;
  })();
  await Promise.all([first, second]);

  const shown = await apps.config(app.id);
  expect(shown).toEqual({ FIRST: '1', SECOND: '2' });
  expect((await releases.current(app.id))?.config).toEqual(shown);
});
