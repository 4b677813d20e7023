/** The tags Telegram's HTML parse mode knows; anything else makes it refuse the message ("can't parse entities"). */
const TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'a', 'code', 'pre', 'span', 'tg-spoiler', 'tg-emoji', 'blockquote']);

const PIECE = /<(\/?)([a-zA-Z-]+)(\s[^<>]*)?>|<|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);|&|>/g;

/**
 * Why Telegram would refuse `html` as a message in HTML parse mode, or undefined: an unknown tag, tags not closed in
 * order, a bare `<`, `>` or `&` (a template's own text must write them as entities; its values are escaped already).
 */
export function checkTelegramHtml(html: string): string | undefined {
  const open: string[] = [];
  for (const match of html.matchAll(PIECE)) {
    const [piece, closing, tag] = match;
    if (piece.startsWith('&')) {
      if (piece === '&') return 'a bare "&" (write &amp;)';
      continue;
    }
    if (!tag) return `a bare "${piece}" (write ${piece === '<' ? '&lt;' : '&gt;'})`;
    const name = tag.toLowerCase();
    if (!TAGS.has(name)) return `the tag <${name}>, which Telegram does not know`;
    if (!closing) open.push(name);
    else if (open.pop() !== name) return `</${name}> closes no open <${name}>`;
  }
  return open.length ? `<${open[open.length - 1]}> is not closed` : undefined;
}

/** The text of Telegram HTML without its tags (entities kept, so it stays valid). */
export function withoutTags(html: string): string {
  return html.replace(/<\/?[a-zA-Z-]+(\s[^<>]*)?>/g, '');
}
