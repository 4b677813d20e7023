import { capText, type TextCost } from '../../rendering/text-caps.js';

/**
 * Feishu's size limits. Both count the request body in bytes (UTF-8), where the message — a JSON string inside the
 * JSON body — is escaped twice: a `"` in a card costs 4 bytes there, a control character 7. Over them the send or
 * update is refused with 230025 and nothing is posted.
 */
export const FEISHU_LIMITS = {
  /** A card (interactive message) request: send or update. */
  cardBodyBytes: 30 * 1024,
  /** A text message request. */
  textBodyBytes: 150 * 1024,
  /** Kept free for the rest of the body: receive_id, msg_type, uuid and their keys. */
  envelopeBytes: 512,
  /** Header title and subtitle (one line each on the card; longer is cut off by the client anyway). */
  cardTitleChars: 200,
  cardSubtitleChars: 100,
  /** A toast after a click: a few words shown for a moment. */
  toastChars: 300,
} as const;

/** Bytes `text` adds to a request body when it stands inside a message's JSON (double JSON escaping). */
export const wireBytes: TextCost = (text) => Buffer.byteLength(JSON.stringify(JSON.stringify(text))) - 6;

/** Bytes the whole card takes in a request body: `content` is the card as JSON, as a string in the JSON body. */
export function cardWireBytes(card: unknown): number {
  return Buffer.byteLength(JSON.stringify(JSON.stringify(card))) - 2;
}

/** A text message body (mentions first, then text) within the text limit; cuts shorten the text, never a mention. */
export function capFeishuText(text: string): string {
  // The text is wrapped in {"text":…} before the double escape: 11 bytes, inside the envelope reserve.
  return capText(text, FEISHU_LIMITS.textBodyBytes - FEISHU_LIMITS.envelopeBytes, wireBytes);
}

type Node = Record<string, any>;

/** Every text a card shows: markdown and plain_text contents, wherever they stand. */
function textHolders(node: unknown, found: Node[] = []): Node[] {
  if (Array.isArray(node)) for (const item of node) textHolders(item, found);
  else if (node && typeof node === 'object') {
    const holder = node as Node;
    if ((holder.tag === 'markdown' || holder.tag === 'plain_text' || holder.tag === 'lark_md') && typeof holder.content === 'string') found.push(holder);
    for (const value of Object.values(holder)) if (value && typeof value === 'object') textHolders(value, found);
  }
  return found;
}

/**
 * Fits a finished card (texts already escaped) into Feishu's card limit, in place: title and subtitle to their lengths,
 * then — only if the card is still too big — the longest texts are cut to one common length, the shortest that lets
 * the card fit, so short lines (status, buttons) stay whole and the long ones (description, activity) give way.
 */
export function fitFeishuCard<T>(card: T): T {
  const header = (card as Node).header as Node | undefined;
  if (header?.title && typeof header.title.content === 'string') header.title.content = capText(header.title.content, FEISHU_LIMITS.cardTitleChars);
  if (header?.subtitle && typeof header.subtitle.content === 'string') header.subtitle.content = capText(header.subtitle.content, FEISHU_LIMITS.cardSubtitleChars);

  const budget = FEISHU_LIMITS.cardBodyBytes - FEISHU_LIMITS.envelopeBytes;
  const total = cardWireBytes(card);
  if (total <= budget) return card;
  const holders = textHolders(card);
  const sizes = holders.map((holder) => wireBytes(holder.content));
  const room = budget - (total - sizes.reduce((sum, size) => sum + size, 0));
  const level = waterLevel(sizes, room);
  holders.forEach((holder, index) => {
    if (sizes[index] > level) holder.content = capText(holder.content, level, wireBytes);
  });
  return card;
}

/** The largest cap c with Σ min(size, c) ≤ room (0 when even nothing fits). */
function waterLevel(sizes: number[], room: number): number {
  const sorted = [...sizes].sort((a, b) => a - b);
  let below = 0;
  for (const [index, size] of sorted.entries()) {
    const above = sorted.length - index;
    if (below + size * above > room) return Math.max(0, Math.floor((room - below) / above));
    below += size;
  }
  return Number.POSITIVE_INFINITY;
}
