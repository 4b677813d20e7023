/** Times as people in a channel read them: in the channel's time zone, with its abbreviation, and how long ago. */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** `2026-12-05 07:19 GMT+8`, `2026-12-05 18:19 EST`; an unknown zone falls back to UTC. */
export function formatInZone(date: Date, timeZone: string): string {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = formatterFor(timeZone).formatToParts(date);
  } catch {
    parts = formatterFor('UTC').formatToParts(date);
  }
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((candidate) => candidate.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')} ${part('timeZoneName')}`;
}

/** `just now`, `5 min ago`, `3 h 20 min ago`, `2 days ago`; future times as `in 5 min`. */
export function relativeTime(date: Date, now: Date): string {
  const seconds = Math.round((date.getTime() - now.getTime()) / 1000);
  const future = seconds > 0;
  const total = Math.abs(seconds);
  if (total < 45) return future ? 'in under a minute' : 'just now';
  const minutes = Math.round(total / 60);
  let span: string;
  if (minutes < 60) span = `${minutes} min`;
  else if (minutes < 24 * 60) span = minutes % 60 === 0 || minutes >= 6 * 60 ? `${Math.round(minutes / 60)} h` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  else {
    const days = Math.round(minutes / (24 * 60));
    span = `${days} day${days === 1 ? '' : 's'}`;
  }
  return future ? `in ${span}` : `${span} ago`;
}
