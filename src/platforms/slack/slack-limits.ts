import { capText } from '../../rendering/text-caps.js';
import type { SlackMessage } from './slack-api.js';

/**
 * Slack's length limits, in characters (UTF-16 units, counted on the text as sent, escapes included). Over them
 * chat.postMessage / chat.update answer `invalid_blocks` (a block) or `msg_too_long` (`text`), and nothing is posted.
 */
export const SLACK_LIMITS = {
  /** Top-level `text` (the notification fallback, or the whole of a plain message). */
  messageText: 40_000,
  /** A header block's plain_text. */
  headerText: 150,
  /** A section's own text (any text object tops out at 3000). */
  sectionText: 3000,
  /** Each of a section's fields. */
  sectionField: 2000,
  /**
   * Each text element of a context block. Slack allows 3000 as for any text object; this small print is kept to 2000
   * so that it reads as a line, not a page.
   */
  contextText: 2000,
  /** A button's label. */
  buttonText: 75,
} as const;

type Block = Record<string, any>;

const capTextObject = (object: unknown, limit: number) => {
  const text = object as { text?: unknown } | undefined;
  if (text && typeof text.text === 'string') text.text = capText(text.text, limit);
};

function capBlocks(blocks: unknown): void {
  if (!Array.isArray(blocks)) return;
  for (const block of blocks as Block[]) {
    switch (block?.type) {
      case 'header':
        capTextObject(block.text, SLACK_LIMITS.headerText);
        break;
      case 'section':
        capTextObject(block.text, SLACK_LIMITS.sectionText);
        if (Array.isArray(block.fields)) for (const field of block.fields) capTextObject(field, SLACK_LIMITS.sectionField);
        break;
      case 'context':
        if (Array.isArray(block.elements)) for (const element of block.elements) capTextObject(element, SLACK_LIMITS.contextText);
        break;
      case 'actions':
        if (Array.isArray(block.elements)) for (const element of block.elements) if (element?.type === 'button') capTextObject(element.text, SLACK_LIMITS.buttonText);
        break;
    }
  }
}

/**
 * Cuts every text of a finished message (its own blocks and those of its attachments) to Slack's limit for where it
 * stands, in place. The texts are escaped already: cuts fall between entities and tags, never inside one.
 */
export function capSlackMessage<T extends SlackMessage>(message: T): T {
  message.text = capText(message.text, SLACK_LIMITS.messageText);
  capBlocks(message.blocks);
  if (Array.isArray(message.attachments)) for (const attachment of message.attachments) capBlocks((attachment as Block | undefined)?.blocks);
  return message;
}
