import { describe, expect, it } from 'vitest';
import type { ReleaseJson } from '../../common/api-shapes.js';
import { previousRelease, releaseInfo, releaseTable } from './releases.js';

const release = (version: number, current = false, fields: Partial<ReleaseJson> = {}): ReleaseJson => ({
  id: `r${version}`,
  version,
  description: `Deploy ${version}`,
  status: 'succeeded',
  current,
  app: { id: 'a', name: 'hello' },
  slug: null,
  output_stream_url: null,
  image: null,
  process_types: {},
  build: null,
  stack: null,
  eligible_for_rollback: true,
  addon_plan_names: [],
  user: null,
  created_at: `2026-11-24T22:00:0${version}.000Z`,
  updated_at: `2026-11-24T22:00:0${version}.000Z`,
  ...fields,
});

describe('previousRelease', () => {
  it('is the newest release before the current one', () => {
    expect(previousRelease([release(1), release(2), release(3, true)]).version).toBe(2);
    // after a rollback to v1 (v4 current), plain rollback goes to v3, like Heroku
    expect(previousRelease([release(4, true), release(2), release(3), release(1)]).version).toBe(3);
    // the current one need not be the newest
    expect(previousRelease([release(1), release(2, true), release(3, false, { status: 'failed' })]).version).toBe(1);
  });

  it('says when there is nothing to go back to', () => {
    expect(() => previousRelease([release(1, true)])).toThrow('There is no release before v1 to roll back to.');
    expect(() => previousRelease([])).toThrow(/no current release/);
  });
});

describe('release output', () => {
  it('lists newest first and marks the current one', () => {
    expect(releaseTable([release(1), release(2, true)])).toEqual([
      'VERSION       STATUS     CREATED                  DESCRIPTION',
      '------------  ---------  -----------------------  -----------',
      'v2 (current)  succeeded  2026-11-24 22:00:02 UTC  Deploy 2',
      'v1            succeeded  2026-11-24 22:00:01 UTC  Deploy 1',
    ]);
  });

  it('shows one release with its image and process types, never its config', () => {
    const lines = releaseInfo(
      release(2, true, {
        image: { repository: 'apps/hello', digest: `sha256:${'a'.repeat(64)}` },
        process_types: { web: 'npm start', worker: 'node w.js' },
        build: { id: 'b1' },
      }),
    );
    expect(lines).toEqual([
      '=== Release v2 (current)',
      'Description:   Deploy 2',
      'Status:        succeeded',
      `Image:         apps/hello@sha256:${'a'.repeat(64)}`,
      'Process types: web: npm start; worker: node w.js',
      'Build:         b1',
      'Created:       2026-11-24 22:00:02 UTC',
    ]);
  });
});
