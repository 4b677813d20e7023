import { renderFeishuIncidentCard } from '../../src/platforms/feishu/feishu-card.renderer.js';
import { botAddedEvent, botDeletedEvent, cardActionEvent } from '../fakes/feishu-callbacks.js';
import type { FakeMessage, FakeRequest, FakeUser } from '../fakes/feishu-open-api.js';
import type { DatabaseKind } from '../support/databases.js';
import { callbackValues, cardButtons, cardStatus, cardText, directTexts, nextTextInChat, postCallback, textOf } from '../support/feishu-app-helpers.js';
import { ANSWER_DEADLINE_MS, FeishuAppWorld } from '../support/feishu-app-world.js';
import type { BoundChat, ChatAppChat, ChatAppDriver, ChatAppDriverFactory, ChatAppUser, ClickAnswer, CommandReply, ShownCard, UpdateOutcome } from './chat-app-driver.js';

/** Feishu's answers to a PATCH of a card that can no longer be changed: too old, recalled, not found. */
const GONE_CODES = new Set([230031, 230011, 231003]);
/** Feishu's throttling answers: the gateway's 99991400 (HTTP 429) and the chat's 230020. */
const THROTTLED_CODES = new Set([99991400, 230020]);

interface ButtonValue {
  action: string;
  incidentId: number;
  step?: number;
}

function shown(message: FakeMessage): ShownCard {
  const values = callbackValues(message.content) as ButtonValue[];
  const clickable = cardButtons(message.content).filter((button) => button.value !== undefined && !button.disabled);
  return {
    chatId: message.chatId,
    messageId: message.messageId,
    incidentId: values[0]?.incidentId,
    status: cardStatus(message.content),
    actions: clickable.map((button) => (button.value as ButtonValue).action),
    escalateStep: values.find((value) => value.action === 'escalate')?.step,
    text: cardText(message.content),
    content: structuredClone(message.content),
  };
}

function outcomeOf(request: FakeRequest): UpdateOutcome {
  if (request.code === 0) return 'ok';
  if (request.code !== undefined && GONE_CODES.has(request.code)) return 'gone';
  if (request.status === 429 || (request.code !== undefined && THROTTLED_CODES.has(request.code))) return 'throttled';
  return 'failed';
}

/** The Feishu app (webhook callbacks, encrypted and signed) on the fake Open API. */
class FeishuDriver implements ChatAppDriver {
  readonly platform = 'feishu' as const;
  readonly answerKinds = true;

  constructor(private readonly world: FeishuAppWorld) {}

  get service() {
    return this.world.service;
  }

  private get state() {
    return this.world.fake.state;
  }

  stop(): Promise<void> {
    return this.world.stop();
  }

  private account(user: ChatAppUser): FakeUser {
    return this.state.users.get(user.externalId)!;
  }

  private chatOf(chatId: string, direct: boolean): ChatAppChat {
    return { chatId, name: this.state.chats.get(chatId)!.name, direct };
  }

  async user(name: string, options: { linked?: boolean } = {}): Promise<ChatAppUser> {
    const person = await this.world.person(name, { member: options.linked !== false });
    return { name, email: person.email, externalId: person.user.open_id, ...(person.member ? { member: person.member } : {}) };
  }

  async boundChat(users: ChatAppUser[], options: { pushMode?: string } = {}): Promise<BoundChat> {
    const setup = await this.world.boundChat({ members: users.map((user) => user.externalId), ...options });
    return { ...this.chatOf(setup.chatId, false), channel: setup.channel, hookPath: setup.integration.path };
  }

  groupChat(users: ChatAppUser[]): ChatAppChat {
    const chat = this.state.addChat({ name: this.world.unique('war room'), memberOpenIds: users.map((user) => user.externalId) });
    return this.chatOf(chat.chatId, false);
  }

  directChat(user: ChatAppUser): ChatAppChat {
    return this.chatOf(this.world.p2pChatOf(this.account(user)).chatId, true);
  }

  cards(chat: ChatAppChat): ShownCard[] {
    return this.state.cardsInChat(chat.chatId).map(shown);
  }

  current(card: ShownCard): ShownCard {
    return shown(this.state.messages.get(card.messageId)!);
  }

  async renderedNow(incidentId: number): Promise<unknown> {
    return renderFeishuIncidentCard(await this.service.services.views.build(incidentId));
  }

  updateAttempts(card: ShownCard): UpdateOutcome[] {
    return this.state.requestsTo(`/open-apis/im/v1/messages/${card.messageId}`, 'PATCH').map(outcomeOf);
  }

  postAttempts(chat: ChatAppChat): number {
    return this.state.requestsTo('/open-apis/im/v1/messages', 'POST').filter((request) => (request.body as any)?.receive_id === chat.chatId).length;
  }

  throttledSince(sinceMs: number): number {
    return this.state.requests.filter((request) => request.at >= sinceMs && outcomeOf(request) === 'throttled').length;
  }

  /** The click as Feishu handles it: the callback, then the answer's card shown in place of the clicked card. */
  async click(user: ChatAppUser, card: ShownCard, action: string): Promise<ClickAnswer> {
    const value = (callbackValues(card.content) as ButtonValue[]).find((candidate) => candidate.action === action);
    if (!value) throw new Error(`the card ${card.messageId} as shown has no ${action} button`);
    const event = cardActionEvent({
      operatorOpenId: user.externalId,
      value: { ...value },
      openMessageId: card.messageId,
      openChatId: card.chatId,
      appId: this.world.secrets.appId,
      tenantKey: this.state.tenantKey,
      token: this.world.secrets.verificationToken,
    });
    const answer = await postCallback(this.service, this.world.secrets, event);
    expect(answer.status).toBe(200);
    expect(answer.elapsedMs).toBeLessThan(ANSWER_DEADLINE_MS);
    this.state.applyCallbackAnswer(card.messageId, answer.body);
    return { text: answer.body.toast.content, kind: answer.body.toast.type };
  }

  /**
   * The answer the sender sees: the reply in the chat, or, for an answer meant for them only asked in a group, the
   * direct message the group points to.
   */
  async command(user: ChatAppUser, chat: ChatAppChat, text: string): Promise<CommandReply> {
    const skipDirect = directTexts(this.world.fake, user.externalId).length;
    if (chat.direct) {
      await this.world.sendCommand(chat.chatId, 'p2p', user.externalId, text);
      return { text: await this.world.nextDirectText(user.externalId, skipDirect), visibleTo: 'caller' };
    }
    const skip = this.state.messagesInChat(chat.chatId).length;
    await this.world.sendCommand(chat.chatId, 'group', user.externalId, text);
    const said = textOf(await nextTextInChat(this.world.fake, chat.chatId, skip));
    if (said === `<at user_id="${user.externalId}"></at> I sent you a direct message.`) {
      return { text: await this.world.nextDirectText(user.externalId, skipDirect), visibleTo: 'caller' };
    }
    return { text: said, visibleTo: 'everyone' };
  }

  directMessages(user: ChatAppUser): string[] {
    return directTexts(this.world.fake, user.externalId).map(textOf);
  }

  notices(chat: ChatAppChat): string[] {
    return this.state
      .messagesInChat(chat.chatId)
      .filter((message) => message.msgType === 'text')
      .map(textOf);
  }

  mentions(text: string, user: ChatAppUser): boolean {
    return text.includes(`<at user_id="${user.externalId}">`);
  }

  refuseMessagesTo(user: ChatAppUser): void {
    this.account(user).botAvailable = false; // direct messages answer 230013
    const body = (request: FakeRequest) => (request.body ?? {}) as { msg_type?: string; content?: string };
    this.state.injectFailures.push({
      method: 'POST', pathPrefix: '/open-apis/im/v1/messages', status: 400, body: { code: 230027, msg: 'Lack of necessary permissions' }, times: Infinity,
      match: (request) => body(request).msg_type === 'text' && String(body(request).content).includes(user.externalId),
    });
  }

  /** Older than the 14 days in which Feishu lets a message be changed: the next PATCH answers 230031. */
  makeCardGone(card: ShownCard): void {
    this.state.ageMessage(card.messageId, 15);
  }

  async removeBot(chat: ChatAppChat): Promise<void> {
    const event = botDeletedEvent({
      chatId: chat.chatId,
      chatName: chat.name,
      appId: this.world.secrets.appId,
      tenantKey: this.state.tenantKey,
      token: this.world.secrets.verificationToken,
    });
    expect((await postCallback(this.service, this.world.secrets, event)).status).toBe(200);
    this.state.chats.get(chat.chatId)!.botIsMember = false;
  }

  async addBot(deliveries: number): Promise<ChatAppChat> {
    const chat = this.state.addChat({ name: this.world.unique('new home') });
    const event = botAddedEvent({ chatId: chat.chatId, chatName: chat.name, appId: this.world.secrets.appId, tenantKey: this.state.tenantKey, token: this.world.secrets.verificationToken });
    for (let delivery = 0; delivery < deliveries; delivery++) {
      const answer = await postCallback(this.service, this.world.secrets, event);
      expect(answer.status).toBe(200);
      expect(answer.elapsedMs).toBeLessThan(ANSWER_DEADLINE_MS);
    }
    return this.chatOf(chat.chatId, false);
  }
}

export const feishuDriver: ChatAppDriverFactory = {
  platform: 'feishu',
  start: async (kind: DatabaseKind) => new FeishuDriver(await FeishuAppWorld.start(kind, 'contract_feishu')),
};
