import { nestsDeeperThan } from '../../src/lib/json-depth.js';

const arrays = (levels: number) => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);

describe('nestsDeeperThan', () => {
  it.each<[string, unknown, number, boolean]>([
    ['a scalar is no level deep', 'x', 0, false],
    ['{} is one level', {}, 1, false],
    ['{} is deeper than 0', {}, 0, true],
    ['objects and arrays both count', { a: [{ b: 1 }] }, 3, false],
    ['objects and arrays both count, one over', { a: [{ b: {} }] }, 3, true],
    ['the deepest branch decides', { a: 1, b: { c: { d: [] } }, e: [] }, 3, true],
    ['64 arrays within 64', arrays(64), 64, false],
    ['65 arrays over 64', arrays(65), 64, true],
  ])('%s', (_name, value, max, expected) => {
    expect(nestsDeeperThan(value, max)).toBe(expected);
  });

  it('answers for a million levels without overflowing the stack', () => {
    expect(nestsDeeperThan(arrays(1_000_000), 64)).toBe(true);
  });
});
