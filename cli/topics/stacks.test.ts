import { describe, expect, it } from 'vitest';
import type { AppJson, StackJson } from '../../common/api-shapes.js';
import { appInfo } from './apps.js';
import { stackList } from './stacks.js';
import { appJsonFixture } from '../testing/app-json.js';

const stacks: StackJson[] = [
  { id: 'id-bookworm', name: 'bookworm', state: 'active', default: true },
  { id: 'id-trixie', name: 'trixie', state: 'active', default: false },
];
const ref = (name: string) => ({ id: `id-${name}`, name });
const app = (stack: string, buildStack: string): AppJson => appJsonFixture('hello', { id: 'a1', stack: ref(stack), build_stack: ref(buildStack) });

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
