import { RecentRedraws } from '../../../src/services/chat/recent-redraws.js';

describe('RecentRedraws', () => {
  it('says "alone" unless the same incident was redrawn less than 3 s before', () => {
    let now = 1_000_000;
    const redraws = new RecentRedraws(() => now);
    expect(redraws.alone(1)).toBe(true);
    expect(redraws.alone(2)).toBe(true);
    now += 2999;
    expect(redraws.alone(1)).toBe(false);
    now += 1;
    // Incident 2's redraw is 3 s old now; incident 1's was refreshed 1 ms ago.
    expect(redraws.alone(2)).toBe(true);
    expect(redraws.alone(1)).toBe(false);
    now += 3000;
    expect(redraws.alone(1)).toBe(true);
  });
});
