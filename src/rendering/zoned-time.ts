/**
 * Times as a channel's members read them: in the channel's IANA time zone, always with the zone's abbreviation
 * ("2026-12-05 14:05 CST", "14:05 CST"), so nobody has to guess whether a card means UTC.
 */

/**
 * ICU abbreviates a zone only in the locales where the abbreviation is in use (CST for Chicago in en-US, CET in
 * en-GB, IST in en-IN, JST in ja-JP …); elsewhere it says "GMT+8". The first locale here that has a letter
 * abbreviation for the zone gives it.
 */
const ABBREVIATING_LOCALES = ['en-US', 'en-GB', 'en-IN', 'en-AU', 'en-NZ', 'en-SG', 'en-HK', 'en-ZA', 'en-PH', 'en-CA', 'en-IE', 'ja-JP'];

/** Abbreviations people use that ICU has in no locale (it calls these zones GMT+8, GMT+9). */
const KNOWN_ABBREVIATIONS: Record<string, string> = {
  'Asia/Shanghai': 'CST',
  'Asia/Chongqing': 'CST',
  'Asia/Chungking': 'CST',
  'Asia/Harbin': 'CST',
  PRC: 'CST',
  'Asia/Macau': 'CST',
  'Asia/Taipei': 'CST',
  ROC: 'CST',
  'Asia/Seoul': 'KST',
  'ROK': 'KST',
};

const formatters = new Map<string, Intl.DateTimeFormat>();
const abbreviations = new Map<string, string>();

function formatter(locale: string, timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    formatters.set(key, found);
  }
  return found;
}

/** `timeZone` when Intl knows it, else UTC: a zone stored before validation existed must not break a card. */
export function usableTimeZone(timeZone: string | null | undefined): string {
  if (!timeZone) return 'UTC';
  try {
    formatter('en-US', timeZone, { hour: '2-digit' });
    return timeZone;
  } catch {
    return 'UTC';
  }
}

const PARTS: Intl.DateTimeFormatOptions = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };

/** Year … minute of `date` as read on a clock in `timeZone`. */
function wallClock(date: Date, timeZone: string): { date: string; clock: string; offsetKey: string } {
  const parts = Object.fromEntries(formatter('en-US', timeZone, PARTS).formatToParts(date).map((part) => [part.type, part.value]));
  const day = `${parts.year}-${parts.month}-${parts.day}`;
  const clock = `${parts.hour}:${parts.minute}`;
  // The offset at this instant tells standard from summer time, which is all the abbreviation depends on.
  const offsetMinutes = Math.round((Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute) - date.getTime()) / 60_000);
  return { date: day, clock, offsetKey: `${timeZone}|${offsetMinutes}` };
}

/** The zone's abbreviation at `date`: "CST", "CEST", "UTC", or "UTC+5:45" where no abbreviation exists. */
export function zoneAbbreviation(date: Date, timeZone: string): string {
  const zone = usableTimeZone(timeZone);
  const { offsetKey } = wallClock(date, zone);
  let abbreviation = abbreviations.get(offsetKey);
  if (abbreviation === undefined) {
    abbreviation = findAbbreviation(date, zone);
    abbreviations.set(offsetKey, abbreviation);
  }
  return abbreviation;
}

function findAbbreviation(date: Date, timeZone: string): string {
  if (KNOWN_ABBREVIATIONS[timeZone]) return KNOWN_ABBREVIATIONS[timeZone];
  let numeric = '';
  for (const locale of ABBREVIATING_LOCALES) {
    const name = formatter(locale, timeZone, { timeZoneName: 'short' }).formatToParts(date).find((part) => part.type === 'timeZoneName')?.value ?? '';
    // "GMT" is kept for last: en-GB says BST for London in summer, and only "GMT" at offset 0 is an abbreviation.
    if (/^[A-Z]{2,5}$/.test(name) && name !== 'GMT') return name;
    if (locale === 'en-US') numeric = name;
  }
  // "GMT+8" → "UTC+8": the offset, as the rest of the product writes it.
  return numeric === '' ? 'UTC' : numeric.replace(/^GMT(?=[+-])/, 'UTC');
}

/** `2026-12-05 14:05 CST`: date, time and zone abbreviation in `timeZone`. */
export function zonedDateTime(date: Date, timeZone: string): string {
  const zone = usableTimeZone(timeZone);
  const clock = wallClock(date, zone);
  return `${clock.date} ${clock.clock} ${zoneAbbreviation(date, zone)}`;
}

/** `14:05 CST`: time of day and zone abbreviation in `timeZone`. */
export function zonedClock(date: Date, timeZone: string): string {
  const zone = usableTimeZone(timeZone);
  return `${wallClock(date, zone).clock} ${zoneAbbreviation(date, zone)}`;
}
