import * as lark from '@larksuiteoapi/node-sdk';
import { feishuSdkLogger } from './feishu-sdk-logger.js';
import type { Deduper } from '../../lib/dedupe.js';
import type { Logger } from '../../lib/logger.js';
import type { ChatBindingService } from '../../services/chat/chat-binding.service.js';
import { capText } from '../../rendering/text-caps.js';
import { decodeButtonValue } from '../../services/chat/button-value.js';
import type { ActionAnswer, ChatInteractionService, ChatUser } from '../../services/chat/chat-interaction.service.js';
import { renderFeishuIncidentCard } from './feishu-card.renderer.js';
import { FEISHU_LIMITS } from './feishu-limits.js';
import type { FeishuPlatform } from './feishu.platform.js';

export interface FeishuEventDeps {
  interactions: ChatInteractionService;
  bindings: ChatBindingService;
  platform: FeishuPlatform;
  deduper: Deduper;
  logger: Logger;
}

/** Flattened by the SDK: header fields (event_id, event_type, token …) and event fields side by side. */
type FeishuEvent = Record<string, any>;

export interface FeishuCardAnswer {
  toast: { type: string; content: string };
  card?: { type: 'raw'; data: object };
}

const WELCOME = [
  'Hi! I post incident cards here and you can handle them with a click.',
  'Bind this chat to a channel: @mention me with "bind <channel>". Send "help" for all commands.',
].join('\n');

/**
 * One dispatcher for both connection modes: the HTTP callback route and the long connection (WSClient) both
 * hand it events that are already verified and decrypted.
 */
export function createFeishuDispatcher(deps: FeishuEventDeps): lark.EventDispatcher {
  const dispatcher = new lark.EventDispatcher({ loggerLevel: lark.LoggerLevel.warn, logger: feishuSdkLogger(deps.logger) });
  const seenBefore = async (event: FeishuEvent) => {
    const key = dedupeKeyOf(event);
    // Nothing to recognise a re-delivery by: handled every time rather than never.
    return key !== undefined && !(await deps.deduper.firstSeen(key));
  };

  dispatcher.register({
    'card.action.trigger': async (event: FeishuEvent) => {
      if (await seenBefore(event)) return {};
      return answerCardAction(deps, event);
    },
    'im.message.receive_v1': async (event: FeishuEvent) => {
      if (await seenBefore(event)) return;
      // Answer Feishu now; the command runs after (replies go out as new messages).
      void runCommand(deps, event).catch((error: unknown) => deps.logger.error({ err: error }, 'feishu command failed'));
    },
    'im.chat.member.bot.added_v1': async (event: FeishuEvent) => {
      if (await seenBefore(event)) return;
      void deps.platform.sendChatText(String(event.chat_id), WELCOME).catch((error: unknown) => deps.logger.warn({ err: error }, 'welcome not sent'));
    },
    'im.chat.member.bot.deleted_v1': async (event: FeishuEvent) => {
      if (await seenBefore(event)) return;
      await deps.bindings.unbind('feishu', String(event.chat_id));
    },
  } as any);
  return dispatcher;
}

/** Schema 2.0 events carry header.event_id, schema 1.0 ones a top-level uuid (the SDK flattens both onto the event). */
export function dedupeKeyOf(event: FeishuEvent): string | undefined {
  if (typeof event.event_id === 'string' && event.event_id !== '') return `feishu:${event.event_id}`;
  if (typeof event.uuid === 'string' && event.uuid !== '') return `feishu:uuid:${event.uuid}`;
  return undefined;
}

async function answerCardAction(deps: FeishuEventDeps, event: FeishuEvent): Promise<FeishuCardAnswer> {
  const value = decodeButtonValue(event.action?.value);
  const openId = event.operator?.open_id;
  if (!value || typeof openId !== 'string') {
    return { toast: { type: 'error', content: 'This button is not one of ours, or the card is malformed.' } };
  }
  // The answer's card replaces the clicked one (for everyone: the card is shared, update_multi).
  const answer = await deps.interactions.handleAction(
    feishuUser(openId, event.operator),
    value.action,
    value.incidentId,
    stringOrUndefined(event.context?.open_chat_id),
    stringOrUndefined(event.context?.open_message_id),
    value.step,
  );
  return toFeishuAnswer(answer);
}

export function toFeishuAnswer(answer: ActionAnswer): FeishuCardAnswer {
  const reply: FeishuCardAnswer = { toast: { type: answer.toast.kind, content: capText(answer.toast.text, FEISHU_LIMITS.toastChars) } };
  if (answer.view) reply.card = { type: 'raw', data: renderFeishuIncidentCard(answer.view) };
  return reply;
}

/** The open_id is this app's id of the user; user_id and union_id (sent when the app may read them) are the same person's in every app. */
function feishuUser(openId: string, ids: { user_id?: unknown; union_id?: unknown } | undefined): ChatUser {
  return { platform: 'feishu', externalId: openId, alternateIds: { userId: stringOrUndefined(ids?.user_id), unionId: stringOrUndefined(ids?.union_id) } };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

async function runCommand(deps: FeishuEventDeps, event: FeishuEvent): Promise<void> {
  const message = event.message ?? {};
  const chatId = String(message.chat_id ?? '');
  const openId = event.sender?.sender_id?.open_id;
  if (!chatId || typeof openId !== 'string' || event.sender?.sender_type === 'app') return;
  const isDirect = message.chat_type === 'p2p';
  let text = '';
  if (message.message_type === 'text') {
    try {
      text = String(JSON.parse(message.content ?? '{}').text ?? '');
    } catch {
      text = '';
    }
  } else {
    await deps.platform.sendChatText(chatId, 'I only understand text commands. Send "help" to see them.');
    return;
  }
  // Mentions arrive as @_user_N placeholders; the bot's own mention is just the way to address it.
  const command = text.replace(/@_user_\d+/g, ' ').trim();
  const reply = await deps.interactions.handleCommand(feishuUser(openId, event.sender?.sender_id), { chatId, isDirect }, command);
  // Feishu has no private answers in a group: only what nobody else may see goes by direct message.
  if (isDirect || reply.audience !== 'private') {
    await deps.platform.sendChatText(chatId, reply.text);
    return;
  }
  // The group has been told when the direct message could not go (the user blocked the bot, or is out of its range).
  await deps.platform.sendPrivateReply(chatId, openId, reply.text).catch((error: unknown) => deps.logger.warn({ err: error }, 'private command answer not delivered'));
}
