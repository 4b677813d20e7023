/**
 * How a delivery's outcome changes whom an incident's pages reached: reached wins and stays, a person never reached
 * becomes not reached once, and one shown as not reached is flipped when a page gets through at last.
 */
import { withReach } from '../../src/domain/page-reach.js';

describe('page reach', () => {
  it('marks those reached and those not, and tells who is newly not reached', () => {
    expect(withReach(null, { reached: ['Ann'], notReached: ['Bob'] })).toEqual({ reach: { Ann: 'reached', Bob: 'not_reached' }, newlyNotReached: ['Bob'], reachedAfterAll: [] });
  });

  it('a later failure never undoes a page that got through, and someone already not reached is not announced again', () => {
    expect(withReach({ Ann: 'reached', Bob: 'not_reached' }, { reached: [], notReached: ['Ann', 'Bob'] })).toEqual({
      reach: { Ann: 'reached', Bob: 'not_reached' },
      newlyNotReached: [],
      reachedAfterAll: [],
    });
  });

  it('a retry or a later level that reaches someone not reached flips them', () => {
    expect(withReach({ Bob: 'not_reached' }, { reached: ['Bob'], notReached: [] })).toEqual({ reach: { Bob: 'reached' }, newlyNotReached: [], reachedAfterAll: ['Bob'] });
  });

  it('keeps at most 100 names (the card shows a few), names it knows still change', () => {
    const many = Array.from({ length: 150 }, (_, index) => `P${index}`);
    const { reach } = withReach(null, { reached: [], notReached: many });
    expect(Object.keys(reach)).toHaveLength(100);
    expect(withReach(reach, { reached: ['P0', 'P120'], notReached: [] }).reach.P0).toBe('reached');
    expect(withReach(reach, { reached: ['P0', 'P120'], notReached: [] }).reach.P120).toBeUndefined();
  });
});
