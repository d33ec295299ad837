import { describe, expect, it } from 'vitest';
import { InvalidParamsError } from '../common/errors.js';
import { buildStackOf, findStack, requireStack, stackId, stackRef, STACKS } from './stacks.js';

describe('stacks', () => {
  it('are the builder recipes, each with a stable name-based UUID', () => {
    expect(STACKS.map((stack) => stack.name)).toEqual(['bookworm', 'trixie']);
    for (const stack of STACKS) {
      expect(stack.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(stack.id).toBe(stackId(stack.name));
    }
    expect(new Set(STACKS.map((stack) => stack.id)).size).toBe(STACKS.length);
  });

  it('are found by name or id, as Heroku takes either', () => {
    const trixie = STACKS[1]!;
    expect(findStack('trixie')).toEqual(trixie);
    expect(findStack(trixie.id)).toEqual(trixie);
    expect(findStack(' Trixie ')).toEqual(trixie);
    expect(findStack('heroku-22')).toBeUndefined();
    expect(findStack('')).toBeUndefined();
  });

  it('refuse an unknown name with a 422 that names the stacks', () => {
    expect(requireStack('bookworm').name).toBe('bookworm');
    const thrown = (() => {
      try {
        requireStack('jessie');
      } catch (err) {
        return err;
      }
    })();
    expect(thrown).toBeInstanceOf(InvalidParamsError);
    expect((thrown as InvalidParamsError).status).toBe(422);
    expect((thrown as Error).message).toBe('Stack "jessie" does not exist. Stacks: bookworm, trixie.');
  });

  it("build on the app's build stack, or its stack on records from before apps could choose", () => {
    expect(buildStackOf({ stack: 'bookworm', buildStack: 'trixie' })).toBe('trixie');
    expect(buildStackOf({ stack: 'bookworm' })).toBe('bookworm');
  });

  it('still name a stored stack that no recipe has any more', () => {
    expect(stackRef('buster')).toEqual({ id: stackId('buster'), name: 'buster' });
    expect(stackRef('trixie')).toEqual(STACKS[1]);
  });
});
