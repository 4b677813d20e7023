import { z } from 'zod';

/** Field parsers shared by the configuration fragments (config.ts and each platform's). */

export const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

export const urlWithProtocols = (protocols: string[]) =>
  optionalString.refine(
    (value) => {
      if (value === undefined) return true;
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}` },
  );

const DURATION_UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 } as const;

/** `30d`, `12h`, `90m`, `45s`, or a bare number of days; parsed to milliseconds. */
export const durationMs = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .transform((value, context) => {
      const match = /^(\d{1,6})\s*([dhms]?)$/i.exec(value);
      if (!match) {
        context.addIssue({ code: 'custom', message: 'must be a duration such as 30d, 12h, 90m or 45s (a bare number means days)' });
        return z.NEVER;
      }
      const unit = (match[2] || 'd').toLowerCase() as keyof typeof DURATION_UNIT_MS;
      return Number(match[1]) * DURATION_UNIT_MS[unit];
    });

/** An ISO 8601 date-time with its zone (`2026-12-31T00:00:00Z`), as a Date. */
export const optionalInstant = optionalString.transform((value, context) => {
  if (value === undefined) return undefined;
  const time = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) {
    context.addIssue({ code: 'custom', message: 'must be an ISO 8601 date or date-time with its zone, e.g. 2026-12-31T00:00:00Z' });
    return z.NEVER;
  }
  return new Date(time);
});
