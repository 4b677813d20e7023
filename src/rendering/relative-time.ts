/** How long ago a time was, as people say it next to the time itself. */

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
