import type { DestinationStream } from 'pino';
import type { AppConfig } from '../../src/config/config.js';
import { cardActionEvent, messageReceiveEvent } from '../fakes/feishu-callbacks.js';
import { startFakeFeishu, type FakeFeishu, type FakeMessage, type FakeUser } from '../fakes/feishu-open-api.js';
import { createChannel, createMember } from './admin-helpers.js';
import { REDIS_TEST_URL, type DatabaseKind } from './databases.js';
import { directTexts, postCallback, randomHex, textOf, waitFor, type CallbackAnswer, type FeishuAppSecrets } from './feishu-app-helpers.js';
import { FEISHU_SUCCESS, createIntegration, incidentsOfChannel, type CreatedIntegration } from './feishu-helpers.js';
import { startTestService, type TestService } from './test-service.js';

/**
 * One running service with the Feishu app on a fake Open API, and the steps the Feishu app suites share: people in the
 * fake tenant, bound group chats, incidents with their cards, clicks and commands sent as Feishu sends them.
 */

/** Feishu wants the callback answer within 3 s. */
export const ANSWER_DEADLINE_MS = 3000;

export interface Person {
  user: FakeUser;
  email: string;
  /** The on-call member with the same email, unless the person was made without one. */
  member?: { id: number; name: string };
}

export interface BoundChat {
  channel: { id: number; name: string };
  integration: CreatedIntegration;
  chatId: string;
}

export interface WorldOptions {
  /** false: Verification Token only, callbacks in plain JSON and unsigned. Default true. */
  encryptKey?: boolean;
  config?: Partial<AppConfig>;
  /** Receives the service's log lines (at `config.logLevel`), for tests that check what was logged. */
  log?: DestinationStream;
}

export interface ClickOptions {
  eventId?: string;
  token?: string;
  /** The operator's user_id / union_id, as Feishu sends them when the app may read them. */
  userId?: string;
  unionId?: string;
}

export class FeishuAppWorld {
  private counter = 0;

  private constructor(
    readonly fake: FakeFeishu,
    readonly service: TestService,
    readonly secrets: FeishuAppSecrets,
  ) {}

  /** A service on `kind` (MariaDB with Redis, so events are deduplicated there) and its own fake Open API and app. */
  static async start(kind: DatabaseKind, label: string, options: WorldOptions = {}): Promise<FeishuAppWorld> {
    const fake = await startFakeFeishu({ apps: {} });
    const app = fake.state.newApp();
    const secrets: FeishuAppSecrets = {
      ...app,
      verificationToken: `vt_${randomHex(12)}`,
      ...(options.encryptKey === false ? {} : { encryptKey: `ek_${randomHex(16)}` }),
    };
    const service = await startTestService(kind, label, {
      feishu: { ...secrets, domain: fake.url, connection: 'webhook' },
      ...(kind === 'mariadb' ? { redisUrl: REDIS_TEST_URL } : {}),
      ...options.config,
    }, options.log);
    return new FeishuAppWorld(fake, service, secrets);
  }

  async stop(): Promise<void> {
    await this.service.stop();
    await this.fake.close();
  }

  unique(prefix: string): string {
    return `${prefix}-${++this.counter}-${randomHex(3)}`;
  }

  /** Someone in the fake tenant's directory and (unless `member: false`) an on-call member with the same email. */
  async person(name: string, options: { member?: boolean; mobile?: string } = {}): Promise<Person> {
    const email = `${name.toLowerCase().replace(/\W/g, '')}.${randomHex(4)}@example.com`;
    const user = this.fake.state.addUser({ name, email, ...(options.mobile ? { mobile: options.mobile } : {}) });
    if (options.member === false) return { user, email };
    const member = await createMember(this.service, name, { email });
    return { user, email, member };
  }

  /** A channel with a dedicated integration, and a group chat (the bot is a member) bound to it through the admin API. */
  async boundChat(options: { members?: string[]; pushMode?: string; channelName?: string } = {}): Promise<BoundChat> {
    const channel = await createChannel(this.service, options.channelName ?? this.unique('sre'));
    const integration = await createIntegration(this.service, { channelId: channel.id, ...(options.pushMode ? { pushMode: options.pushMode } : {}) });
    const chat = this.fake.state.addChat({ name: `${channel.name} room`, memberOpenIds: options.members ?? [] });
    const binding = await this.service.api('POST', '/chat-bindings', { platform: 'feishu', chatId: chat.chatId, channelId: channel.id, chatName: chat.name });
    expect(binding).toEqual({ status: 201, body: expect.objectContaining({ platform: 'feishu', chatId: chat.chatId, channelId: channel.id }) });
    return { channel, integration, chatId: chat.chatId };
  }

  /** A Feishu text alert to the chat's integration; the new incident and, once card syncs are idle, its card. */
  async triggerWithCard(setup: BoundChat, text = `Primary database is down ${randomHex(3)}`): Promise<{ incident: any; card: FakeMessage }> {
    const before = this.fake.state.cardsInChat(setup.chatId).length;
    expect(await this.service.post(setup.integration.path, { msg_type: 'text', content: { text } })).toEqual({ status: 200, body: FEISHU_SUCCESS });
    const [incident] = await incidentsOfChannel(this.service, setup.channel.id);
    expect(incident.description).toBe(text);
    await this.service.services.cards.idle();
    const cards = this.fake.state.cardsInChat(setup.chatId);
    expect(cards).toHaveLength(before + 1);
    return { incident, card: cards[cards.length - 1] };
  }

  clickEvent(operatorOpenId: string, action: string, incidentId: number, card: FakeMessage, options: ClickOptions = {}) {
    return cardActionEvent({
      operatorOpenId,
      operatorUserId: options.userId,
      operatorUnionId: options.unionId,
      value: { action, incidentId },
      openMessageId: card.messageId,
      openChatId: card.chatId,
      appId: this.secrets.appId,
      tenantKey: this.fake.state.tenantKey,
      token: options.token ?? this.secrets.verificationToken,
      eventId: options.eventId,
    });
  }

  /** A click as Feishu handles it: the callback, then the answer's card shown in place of the clicked card. */
  async clickCard(operatorOpenId: string, action: string, incidentId: number, card: FakeMessage, options: ClickOptions = {}): Promise<CallbackAnswer> {
    const answer = await postCallback(this.service, this.secrets, this.clickEvent(operatorOpenId, action, incidentId, card, options));
    expect(answer.status).toBe(200);
    expect(answer.elapsedMs).toBeLessThan(ANSWER_DEADLINE_MS);
    this.fake.state.applyCallbackAnswer(card.messageId, answer.body);
    return answer;
  }

  /** Sends `text` to the bot (@mentioning it in a group) as Feishu delivers it; Feishu gets `{}` at once. */
  async sendCommand(chatId: string, chatType: 'group' | 'p2p', sender: string, text: string, ids: { userId?: string; unionId?: string } = {}): Promise<void> {
    const event = messageReceiveEvent({
      chatId,
      chatType,
      senderOpenId: sender,
      senderUserId: ids.userId,
      senderUnionId: ids.unionId,
      text,
      mentionBot: chatType === 'group',
      appId: this.secrets.appId,
      tenantKey: this.fake.state.tenantKey,
      token: this.secrets.verificationToken,
    });
    const answer = await postCallback(this.service, this.secrets, event);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({});
    expect(answer.elapsedMs).toBeLessThan(ANSWER_DEADLINE_MS);
  }

  /** The next direct message to the user after the first `skip`, once it arrives. */
  async nextDirectText(openId: string, skip: number): Promise<string> {
    return textOf(await waitFor(`a direct message to ${openId}`, () => directTexts(this.fake, openId)[skip]));
  }

  /** A command in a direct chat with the bot, and the bot's answer there. */
  async directCommand(sender: FakeUser, text: string): Promise<string> {
    const chat = this.p2pChatOf(sender);
    const skip = directTexts(this.fake, sender.open_id).length;
    await this.sendCommand(chat.chatId, 'p2p', sender.open_id, text);
    return this.nextDirectText(sender.open_id, skip);
  }

  /** The user's direct chat with the bot (where the fake puts messages sent to their open_id). */
  p2pChatOf(user: FakeUser) {
    const existing = [...this.fake.state.chats.values()].find(
      (chat) => chat.chatType === 'p2p' && chat.memberOpenIds.length === 1 && chat.memberOpenIds[0] === user.open_id,
    );
    return existing ?? this.fake.state.addChat({ name: user.name, chatType: 'p2p', memberOpenIds: [user.open_id] });
  }

  latestCard(card: FakeMessage): FakeMessage {
    return this.fake.state.messages.get(card.messageId)!;
  }
}
