import { describe, expect, it } from 'vitest';
import type { AppJson, StackJson } from '../../common/api-shapes.js';
import { appInfo } from './apps.js';
import { stackList } from './stacks.js';

const stacks: StackJson[] = [
  { id: 'id-bookworm', name: 'bookworm', state: 'active', default: true },
  { id: 'id-trixie', name: 'trixie', state: 'active', default: false },
];
const ref = (name: string) => ({ id: `id-${name}`, name });
const app = (stack: string, buildStack: string): AppJson => ({
  id: 'a1',
  name: 'hello',
  owner: { id: 'u1', email: 'ann@example.com' },
  stack: ref(stack),
  build_stack: ref(buildStack),
  maintenance: false,
  stop_timeout_seconds: null,
  git_url: 'http://127.0.0.1:5780/hello.git',
  web_url: 'http://hello.localhost/',
  region: { id: 'id-local', name: 'local' },
  create_status: 'complete',
  acm: false,
  space: null,
  team: null,
  internal_routing: null,
  archived_at: null,
  repo_size: null,
  slug_size: null,
  created_at: '2026-11-24T22:00:00.000Z',
  updated_at: '2026-11-24T22:30:00.000Z',
});

describe('stack', () => {
  it("stars the app's stack", () => {
    expect(stackList(app('bookworm', 'bookworm'), stacks)).toEqual(['=== hello Available Stacks', '* bookworm', '  trixie']);
  });

  it('marks the stack the next build will use when it differs (Heroku semantics)', () => {
    expect(stackList(app('bookworm', 'trixie'), stacks)).toEqual([
      '=== hello Available Stacks',
      '* bookworm',
      '  trixie (active on next deploy)',
    ]);
  });

  it('apps:info says which stack the next build will use', () => {
    expect(appInfo(app('bookworm', 'trixie'), [])).toContain('Stack:   bookworm (next build will use trixie)');
    expect(appInfo(app('trixie', 'trixie'), [])).toContain('Stack:   trixie');
  });
});
