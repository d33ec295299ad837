import { describe, expect, test } from 'vitest';
import type { FormationEntry } from '../../common/types.js';
import { resizedTypes, scaledFormation } from './lifecycle.js';

const processTypes = { web: 'node server.js', worker: 'node worker.js' };
const current: FormationEntry[] = [{ type: 'web', quantity: 1, size: 'basic' }];

describe('scaledFormation', () => {
  test('changes what is named and keeps the rest of each entry', () => {
    expect(scaledFormation(processTypes, current, [{ type: 'web', quantity: 3 }, { type: 'worker', size: 'standard' }])).toEqual({
      entries: [
        { type: 'web', quantity: 3, size: 'basic' },
        { type: 'worker', quantity: 0, size: 'standard' },
      ],
    });
  });

  test('refuses a process type the release does not declare, and any without a release', () => {
    expect(scaledFormation(processTypes, current, [{ type: 'clock', quantity: 1 }])).toEqual({ unknownType: 'clock' });
    expect(scaledFormation(null, current, [{ type: 'web', quantity: 1 }])).toEqual({ unknownType: 'web' });
  });

  test('refuses to scale the release phase, even when the release declares it', () => {
    expect(scaledFormation({ ...processTypes, release: 'migrate' }, current, [{ type: 'release', quantity: 1 }])).toEqual({ notScalable: 'release' });
  });

  test.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('%s is not a process type (own properties only)', (type) => {
    expect(scaledFormation(processTypes, current, [{ type, quantity: 1 }])).toEqual({ unknownType: type });
  });
});

describe('resizedTypes', () => {
  const entry = (type: string, quantity: number, size: FormationEntry['size']): FormationEntry => ({ type, quantity, size });
  test('types whose size changes are replaced; new types and quantity changes are not', () => {
    const before = [entry('web', 2, 'basic'), entry('worker', 1, 'basic')];
    expect(resizedTypes(before, [entry('web', 2, 'standard'), entry('worker', 3, 'basic')])).toEqual(['web']);
    expect(resizedTypes(before, [entry('clock', 1, 'performance')])).toEqual([]);
    expect(resizedTypes([], [entry('web', 1, 'standard')])).toEqual([]);
  });
});
