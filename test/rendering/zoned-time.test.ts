import { usableTimeZone, zoneAbbreviation, zonedClock, zonedDateTime } from '../../src/rendering/zoned-time.js';

const summer = new Date('2026-07-05T06:05:00Z');
const winter = new Date('2026-12-05T06:05:00Z');

describe('times in a channel’s zone', () => {
  it.each([
    ['UTC', summer, '2026-07-05 06:05 UTC'],
    ['Asia/Shanghai', summer, '2026-07-05 14:05 CST'],
    ['America/Chicago', summer, '2026-07-05 01:05 CDT'],
    ['America/Chicago', winter, '2026-12-05 00:05 CST'],
    ['Europe/London', summer, '2026-07-05 07:05 BST'],
    ['Europe/London', winter, '2026-12-05 06:05 GMT'],
    ['Europe/Berlin', summer, '2026-07-05 08:05 CEST'],
    ['Asia/Tokyo', winter, '2026-12-05 15:05 JST'],
    ['Asia/Kolkata', winter, '2026-12-05 11:35 IST'],
    ['Australia/Sydney', winter, '2026-12-05 17:05 AEDT'],
    // No abbreviation in use: the offset, written as the rest of the product writes it.
    ['America/Sao_Paulo', winter, '2026-12-05 03:05 UTC-3'],
    ['Asia/Kathmandu', winter, '2026-12-05 11:50 UTC+5:45'],
  ])('%s at %s reads %s', (zone, at, expected) => {
    expect(zonedDateTime(at, zone)).toBe(expected);
  });

  it('the time of day alone keeps the abbreviation; the date rolls over with the zone', () => {
    expect(zonedClock(winter, 'Asia/Shanghai')).toBe('14:05 CST');
    expect(zonedDateTime(new Date('2026-12-05T20:30:00Z'), 'Asia/Shanghai')).toBe('2026-12-06 04:30 CST');
    expect(zoneAbbreviation(summer, 'America/New_York')).toBe('EDT');
  });

  it('a zone Intl does not know (stored before zones were checked, or hand-edited) reads as UTC instead of throwing', () => {
    for (const zone of ['Mars/Olympus_Mons', '', '../../etc/passwd', 'A'.repeat(10_000)]) {
      expect(usableTimeZone(zone)).toBe('UTC');
      expect(zonedDateTime(summer, zone)).toBe('2026-07-05 06:05 UTC');
    }
    expect(usableTimeZone(null)).toBe('UTC');
  });
});
