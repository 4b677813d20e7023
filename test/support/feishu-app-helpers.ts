import { randomBytes } from 'node:crypto';
import { buildCallbackRequest } from '../fakes/feishu-callbacks.js';
import type { FakeFeishu, FakeMessage } from '../fakes/feishu-open-api.js';
import type { TestService } from './test-service.js';

/** Steps shared by the Feishu app (bot) tests: callbacks as Feishu sends them, and reading what the bot posted. */

export const FEISHU_CALLBACK_PATH = '/feishu/events';

export const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');

export interface FeishuAppSecrets {
  appId: string;
  appSecret: string;
  verificationToken: string;
  /** Unset: the app has a Verification Token only, and Feishu posts plain, unsigned JSON. */
  encryptKey?: string;
}

export interface CallbackAnswer {
  status: number;
  body: any;
  /** Wall time from sending the request to having the whole answer. */
  elapsedMs: number;
}

/**
 * POSTs `object` to the callback URL the way Feishu does: encrypted with the app's Encrypt Key and signed over the raw
 * body (url_verification is encrypted but unsigned), or plain JSON when the app has no Encrypt Key. `tamper` may
 * rewrite the request before it is sent.
 */
export async function postCallback(
  service: Pick<TestService, 'url'>,
  secrets: FeishuAppSecrets,
  object: unknown,
  tamper?: (request: { body: string; headers: Record<string, string> }) => void,
): Promise<CallbackAnswer> {
  const request = buildCallbackRequest(object, { encryptKey: secrets.encryptKey });
  tamper?.(request);
  const started = performance.now();
  const response = await fetch(`${service.url}${FEISHU_CALLBACK_PATH}`, { method: 'POST', headers: request.headers, body: request.body });
  const text = await response.text();
  const elapsedMs = performance.now() - started;
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the text, so a failure shows what came back
  }
  return { status: response.status, body, elapsedMs };
}

export interface CardButton {
  text: string;
  disabled: boolean;
  /** The callback behavior's value, when the button has one. */
  value?: unknown;
  url?: string;
}

/** Every button of a card (Card JSON 2.0: buttons may sit inside column_sets), in document order. */
export function cardButtons(card: any): CardButton[] {
  const buttons: CardButton[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const element = node as Record<string, any>;
    if (element.tag === 'button') {
      const behaviors: any[] = Array.isArray(element.behaviors) ? element.behaviors : [];
      const callback = behaviors.find((behavior) => behavior.type === 'callback');
      const openUrl = behaviors.find((behavior) => behavior.type === 'open_url');
      buttons.push({
        text: element.text?.content,
        disabled: element.disabled === true,
        ...(callback ? { value: callback.value } : {}),
        ...(openUrl ? { url: openUrl.default_url } : {}),
      });
      return;
    }
    Object.values(element).forEach(walk);
  };
  walk(card?.body?.elements);
  return buttons;
}

/** The callback values of the card's buttons. */
export function callbackValues(card: any): unknown[] {
  return cardButtons(card)
    .filter((button) => button.value !== undefined)
    .map((button) => button.value);
}

/** All markdown / plain text of a card, joined: for "does the card say X" checks. */
export function cardText(card: any): string {
  const parts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const element = node as Record<string, any>;
    if (typeof element.content === 'string') parts.push(element.content);
    Object.values(element).forEach(walk);
  };
  walk(card?.header);
  walk(card?.body);
  return parts.join('\n');
}

/** The status tag shown in the card header ("Triggered", "Acknowledged", "Closed"). */
export function cardStatus(card: any): string | undefined {
  return card?.header?.text_tag_list?.[0]?.text?.content;
}

/** The "**Received**\nN alerts, M events" figures of the card. */
export function cardCounts(card: any): { alerts: number; events: number } | undefined {
  const match = /\*\*Received\*\*\n(\d+) alerts?, (\d+) events?/.exec(cardText(card));
  return match ? { alerts: Number(match[1]), events: Number(match[2]) } : undefined;
}

export function textOf(message: FakeMessage): string {
  return message.msgType === 'text' ? String(message.content?.text ?? '') : '';
}

/** Text messages the app sent to a user privately (the fake puts them in that user's p2p chat). */
export function directTexts(fake: FakeFeishu, openId: string): FakeMessage[] {
  return [...fake.state.messages.values()].filter((message) => {
    const chat = fake.state.chats.get(message.chatId);
    return message.msgType === 'text' && chat?.chatType === 'p2p' && chat.memberOpenIds.length === 1 && chat.memberOpenIds[0] === openId;
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something other than undefined, at most `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** The first text message in the chat after the first `skip` messages, once one arrives (bounded wait). */
export function nextTextInChat(fake: FakeFeishu, chatId: string, skip: number, timeoutMs = 5000): Promise<FakeMessage> {
  return waitFor(
    `a text message in ${chatId}`,
    () => fake.state.messagesInChat(chatId).slice(skip).find((message) => message.msgType === 'text'),
    timeoutMs,
  );
}
