/** Cutting finished (escaped) message text down to a platform's limit without breaking what it contains. */

export const ELLIPSIS = '…';

/** What a piece of text costs against a limit: UTF-16 units, bytes on the wire… */
export type TextCost = (text: string) => number;

export const utf16Units: TextCost = (text) => text.length;

/**
 * The pieces a cut may fall between, never inside: a mention, a time or other markup tag (Feishu's `<at …>Name</at>`
 * and `<local_datetime …></local_datetime>` as a whole, Slack's `<@U123>` / `<!here>` / `<!date^…|…>`), an HTML entity an escape produced (`&amp;`, `&#39;`), a surrogate pair,
 * else one UTF-16 unit.
 */
const PIECE = /<at\b[^>]*>[^<]*<\/at>|<local_datetime\b[^>]*>[^<]*<\/local_datetime>|<[^<>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);|[\uD800-\uDBFF][\uDC00-\uDFFF]|[\s\S]/g;

/**
 * `text` when it costs at most `limit`; otherwise its longest head of whole pieces (see PIECE) that, with an ellipsis
 * added, costs at most `limit`. Apply it to text that is already escaped: what it keeps stays valid markup.
 */
export function capText(text: string, limit: number, cost: TextCost = utf16Units): string {
  if (cost(text) <= limit) return text;
  const room = limit - cost(ELLIPSIS);
  if (room < 0) return '';
  let used = 0;
  let end = 0;
  // matchAll is lazy: only the pieces up to the cut are looked at, however long the text.
  for (const piece of text.matchAll(PIECE)) {
    const size = cost(piece[0]);
    if (used + size > room) break;
    used += size;
    end = piece.index + piece[0].length;
  }
  return `${text.slice(0, end).trimEnd()}${ELLIPSIS}`;
}

/**
 * Untrusted `text` escaped and within `limit` (counted on the escaped text). Cut once before escaping, which spares
 * escaping a huge text only to throw most of it away, and again after, as escaping makes it longer.
 */
export function escapedWithin(text: string, limit: number, escape: (text: string) => string, cost: TextCost = utf16Units): string {
  return capText(escape(capText(text, limit, cost)), limit, cost);
}

/**
 * Names as a readable list within about `limit` UTF-16 units of escaped text: "Ann, Bob and 48 more". Every name shown
 * is whole; at least the first is shown, capped on its own when even it is too long.
 */
export function nameList(names: string[], limit: number, escape: (text: string) => string): string {
  const shown: string[] = [];
  let used = 0;
  for (const [index, name] of names.entries()) {
    const piece = escape(name);
    const rest = names.length - index - 1;
    const tail = rest > 0 ? ` and ${rest} more`.length : 0;
    if (shown.length > 0 && used + 2 + piece.length + tail > limit) break;
    shown.push(shown.length === 0 ? capText(piece, Math.max(limit - tail, 1)) : piece);
    used += (shown.length > 1 ? 2 : 0) + shown[shown.length - 1].length;
  }
  const hidden = names.length - shown.length;
  return hidden > 0 ? `${shown.join(', ')} and ${hidden} more` : shown.join(', ');
}
