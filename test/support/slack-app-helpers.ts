import type { FakeSlackMessage } from '../fakes/slack-web-api.js';
import { slackVisibleText } from '../fakes/slack-web-api.js';

/** Reading what the Slack app posted: buttons, status and text of a Block Kit incident message. */

export interface SlackButton {
  actionId: string;
  text: string;
  /** The button's value, parsed when it is JSON. */
  value?: unknown;
  url?: string;
  style?: string;
}

/** Every block of the message: its own and those inside attachments. */
export function allBlocks(message: Pick<FakeSlackMessage, 'blocks' | 'attachments'>): any[] {
  return [...(message.blocks ?? []), ...(message.attachments ?? []).flatMap((attachment) => attachment?.blocks ?? [])];
}

export function slackButtons(message: Pick<FakeSlackMessage, 'blocks' | 'attachments'>): SlackButton[] {
  return allBlocks(message)
    .filter((block) => block.type === 'actions')
    .flatMap((block) => block.elements as any[])
    .filter((element) => element.type === 'button')
    .map((element) => {
      let value: unknown = element.value;
      if (typeof value === 'string') {
        try {
          value = JSON.parse(value);
        } catch {
          // a plain string value
        }
      }
      return {
        actionId: element.action_id,
        text: element.text?.text,
        ...(element.value !== undefined ? { value } : {}),
        ...(element.url !== undefined ? { url: element.url } : {}),
        ...(element.style !== undefined ? { style: element.style } : {}),
      };
    });
}

/** All text of the message's blocks (header, fields, sections, context), as a person sees it, joined by newlines. */
export function slackMessageText(message: Pick<FakeSlackMessage, 'blocks' | 'attachments'>): string {
  const parts: string[] = [];
  const text = (node: any) => {
    if (node && typeof node.text === 'string') parts.push(node.text);
  };
  for (const block of allBlocks(message)) {
    text(block.text);
    (block.fields ?? []).forEach(text);
    if (block.type === 'context') (block.elements ?? []).forEach(text);
  }
  return slackVisibleText(parts.join('\n'));
}

/** The status shown in the message's first context line: `*#12* · channel · *Acknowledged* · Critical`. */
export function slackStatus(message: Pick<FakeSlackMessage, 'blocks' | 'attachments'>): string | undefined {
  const context = allBlocks(message).find((block) => block.type === 'context');
  const line: string | undefined = context?.elements?.[0]?.text;
  return line ? /·\s\*([^*]+)\*\s·/.exec(line)?.[1] : undefined;
}

/** The header (incident title) of the message. */
export function slackTitle(message: Pick<FakeSlackMessage, 'blocks' | 'attachments'>): string | undefined {
  return allBlocks(message).find((block) => block.type === 'header')?.text?.text;
}
