import type { Logger } from '../../lib/logger.js';
import { capText } from '../../rendering/text-caps.js';
import { decodeButtonValue } from '../../services/chat/button-value.js';
import type { ActionAnswer, ChatInteractionService, ChatUser } from '../../services/chat/chat-interaction.service.js';
import type { CardParamMap } from './dingtalk-api.js';
import { renderDingTalkCardParams } from './dingtalk-card.renderer.js';
import { DINGTALK_LIMITS } from './dingtalk-limits.js';
import type { DingTalkStreamMessage } from './dingtalk-stream-connection.js';
import type { DingTalkPlatform } from './dingtalk.platform.js';

export interface DingTalkInboundDeps {
  interactions: ChatInteractionService;
  platform: DingTalkPlatform;
  logger: Logger;
}

/** The answer to a card callback: the card's new variables for everyone, and a note only the clicker sees. */
export interface DingTalkCardAnswer {
  cardData?: { cardParamMap: CardParamMap };
  cardUpdateOptions?: { updateCardDataByKey: true };
  userPrivateData: { cardParamMap: { toast: string; toastKind: string } };
}

type Json = Record<string, any>;

const COMMAND_FAILED = 'Something went wrong while handling that command. Please try again in a moment; if it keeps failing, tell your on-call admin.';
const CLICK_FAILED = 'Something went wrong while handling that click. Please try again in a moment; if it keeps failing, tell your on-call admin.';
const NOT_OURS = 'This button is not one of ours, or the card is malformed.';

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const objectOf = (value: unknown): Json => {
  if (typeof value === 'string') {
    try {
      return objectOf(JSON.parse(value));
    } catch {
      return {};
    }
  }
  return value && typeof value === 'object' ? (value as Json) : {};
};

/** A staffId is the person's id in this organisation (what we @mention and DM); the unionId is the same in every app. */
function dingtalkUser(staffId: string, unionId?: string): ChatUser {
  return { platform: 'dingtalk', externalId: staffId, alternateIds: unionId ? { unionId } : undefined };
}

export function toDingTalkAnswer(answer: ActionAnswer): DingTalkCardAnswer {
  const reply: DingTalkCardAnswer = { userPrivateData: { cardParamMap: { toast: capText(answer.toast.text, DINGTALK_LIMITS.toast), toastKind: answer.toast.kind } } };
  if (answer.view) {
    reply.cardData = { cardParamMap: renderDingTalkCardParams(answer.view) };
    reply.cardUpdateOptions = { updateCardDataByKey: true };
  }
  return reply;
}

/**
 * A click on a card button (`/v1.0/card/instances/callback`): acted on as the linked member, answered with the card's
 * new state (DingTalk redraws the card from the answer) and the clicker's note. A failure is answered too, never
 * thrown: a thrown handler is not acknowledged and DingTalk would deliver the click again.
 */
export function cardCallbackHandler(deps: DingTalkInboundDeps): (message: DingTalkStreamMessage) => Promise<DingTalkCardAnswer> {
  return async (message) => {
    const data = objectOf(message.data);
    const params = objectOf(data.content).cardPrivateData?.params;
    const value = decodeButtonValue(params);
    const staffId = text(data.userId);
    if (!value || !staffId) return toDingTalkAnswer({ toast: { kind: 'error', text: NOT_OURS } });
    const chatId = data.spaceType === 'IM_GROUP' ? text(data.spaceId) : undefined;
    try {
      const answer = await deps.interactions.handleAction(dingtalkUser(staffId, text(data.unionId)), value.action, value.incidentId, chatId, text(data.outTrackId), value.step);
      return toDingTalkAnswer(answer);
    } catch (error) {
      deps.logger.error({ err: error, action: value.action }, 'dingtalk click failed');
      return toDingTalkAnswer({ toast: { kind: 'error', text: CLICK_FAILED } });
    }
  };
}

/**
 * A message to the robot (`/v1.0/im/bot/messages/get`: every message in a 1:1 chat, and in a group those that
 * @mention it). Acknowledged at once; the command runs after and answers with new messages.
 */
export function robotMessageHandler(deps: DingTalkInboundDeps): (message: DingTalkStreamMessage) => Promise<undefined> {
  return async (message) => {
    void runCommand(deps, objectOf(message.data)).catch((error: unknown) => deps.logger.error({ err: error }, 'dingtalk command failed'));
    return undefined;
  };
}

async function runCommand(deps: DingTalkInboundDeps, data: Json): Promise<void> {
  const staffId = text(data.senderStaffId);
  const chatId = text(data.conversationId);
  // No staffId: someone outside the organisation (an external contact), whom the app cannot act for.
  if (!staffId || !chatId) return;
  const isDirect = data.conversationType === '1';
  const answer = (reply: string) => (isDirect ? deps.platform.sendDirectText(staffId, reply) : deps.platform.sendChatText(chatId, reply));
  if (data.msgtype !== 'text') {
    await answer('I only understand text commands. Send "help" to see them.');
    return;
  }
  // In a group DingTalk leaves the robot's @mention out of the content; other people's @mentions stay as "@Name".
  const command = String(objectOf(data.text).content ?? '').trim();
  // The group's id is what an admin binding needs (POST /api/v1/chat-bindings); only the command's name is logged.
  if (!isDirect) deps.logger.info({ conversationId: chatId, command: command.split(/\s+/, 1)[0].slice(0, 20) }, 'dingtalk command in a group');
  let reply;
  try {
    reply = await deps.interactions.handleCommand(dingtalkUser(staffId), { chatId, isDirect, chatName: text(data.conversationTitle) }, command);
  } catch (error) {
    deps.logger.error({ err: error, command: command.split(/\s+/, 1)[0] }, 'dingtalk command failed');
    reply = { text: COMMAND_FAILED, audience: 'caller' as const };
  }
  if (isDirect || reply.audience !== 'private') {
    await answer(reply.text);
    return;
  }
  await deps.platform.sendPrivateReply(chatId, staffId, reply.text).catch((error: unknown) => deps.logger.warn({ err: error }, 'private command answer not delivered'));
}
