import type { DestinationStream } from 'pino';
import type { AppConfig } from '../../src/config/config.js';
import type { DingTalkAppConfig } from '../../src/platforms/dingtalk/dingtalk.config.js';
import { DINGTALK_TOPIC_CARD, DINGTALK_TOPIC_ROBOT } from '../../src/platforms/dingtalk/dingtalk-stream-connection.js';
import { FakeDingTalk } from '../fakes/dingtalk.js';
import { applyCardData, type FakeDingTalkCard, type FakeDingTalkGroup, type FakeDingTalkUser } from '../fakes/dingtalk-open-api.js';
import { shownButtons } from '../fakes/dingtalk-card-template.js';
import { createChannel, createMember } from './admin-helpers.js';
import { REDIS_TEST_URL, type DatabaseKind } from './databases.js';
import { randomHex, waitFor } from './feishu-app-helpers.js';
import { FEISHU_SUCCESS, createIntegration, incidentsOfChannel, type CreatedIntegration } from './feishu-helpers.js';
import { startTestService, type TestService } from './test-service.js';
import { DingTalkCallbacks } from './dingtalk-callbacks.js';

export const TEMPLATE_ID = 'oncall-incident.schema';

export interface DingTalkPerson {
  user: FakeDingTalkUser;
  email: string;
  member?: { id: number; name: string };
}

export interface DingTalkBoundGroup {
  channel: { id: number; name: string };
  integration: CreatedIntegration;
  group: FakeDingTalkGroup;
}

/** What a click got back: the card answer DingTalk applied, and the note the clicker saw. */
export interface DingTalkClick {
  response: any;
  toast: string;
  toastKind: string;
}

/** The `dingtalk` configuration of an app on this fake. */
export function dingtalkAppConfig(fake: FakeDingTalk, options: { template?: boolean } = {}): DingTalkAppConfig {
  return {
    clientId: fake.state.clientId,
    clientSecret: fake.state.clientSecret,
    robotCode: fake.state.robotCode,
    cardTemplateId: options.template === false ? undefined : TEMPLATE_ID,
    apiBaseUrl: fake.url,
    oapiBaseUrl: fake.url,
    requestTimeoutMs: 3000,
    deadLinkMs: 2000,
  };
}

/**
 * One running service with the DingTalk app on a fake DingTalk, and the steps the DingTalk suites share: people in
 * the organisation, bound groups, incidents with their cards, clicks and robot messages delivered over Stream.
 */
export class DingTalkAppWorld {
  private counter = 0;
  private constructor(
    readonly fake: FakeDingTalk,
    readonly callbacks: DingTalkCallbacks,
    readonly service: TestService,
  ) {}

  static async start(
    kind: DatabaseKind,
    label: string,
    options: { template?: boolean; extra?: Partial<AppConfig>; log?: DestinationStream } = {},
  ): Promise<DingTalkAppWorld> {
    const fake = await FakeDingTalk.start({ templateId: TEMPLATE_ID });
    const callbacks = new DingTalkCallbacks(fake);
    const service = await startTestService(kind, label, {
      dingtalk: dingtalkAppConfig(fake, options),
      ...(kind === 'mariadb' ? { redisUrl: REDIS_TEST_URL } : {}),
      ...options.extra,
      ...(options.log ? { logLevel: 'info' as const } : {}),
    }, options.log);
    const world = new DingTalkAppWorld(fake, callbacks, service);
    await world.callbacks.ready();
    return world;
  }

  async stop(): Promise<void> {
    await this.service.stop();
    await this.fake.close();
  }

  unique(prefix: string): string {
    return `${prefix}-${++this.counter}-${randomHex(3)}`;
  }

  /** Someone in the organisation (with a mobile number) and, unless `member: false`, an on-call member with the same email and phone. */
  async person(name: string, options: { member?: boolean; memberPhone?: string; memberEmail?: string; mobile?: string; directoryEmail?: boolean } = {}): Promise<DingTalkPerson> {
    const email = `${name.toLowerCase().replace(/\W/g, '')}.${randomHex(4)}@example.com`;
    const mobile = options.mobile ?? `138${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    const user = this.fake.state.addUser({ name, mobile, email: options.directoryEmail === false ? undefined : email });
    if (options.member === false) return { user, email };
    // Members have phone numbers: the same as in DingTalk's directory unless told otherwise.
    const member = await createMember(this.service, name, { email: options.memberEmail ?? email, phone: options.memberPhone ?? mobile });
    return { user, email, member };
  }

  /** A channel with an integration, and a DingTalk group (the robot in it) bound to it through the admin API. */
  async boundGroup(people: DingTalkPerson[] = [], integration: Record<string, unknown> = {}): Promise<DingTalkBoundGroup> {
    const channel = await createChannel(this.service, this.unique('sre'));
    const created = await createIntegration(this.service, { channelId: channel.id, ...integration });
    const group = this.fake.state.addGroup({ title: channel.name, members: people.map((person) => person.user.staffId) });
    const binding = await this.service.api('POST', '/chat-bindings', { platform: 'dingtalk', chatId: group.openConversationId, channelId: channel.id, chatName: group.title });
    expect(binding).toEqual({ status: 201, body: expect.objectContaining({ platform: 'dingtalk', chatId: group.openConversationId }) });
    return { channel, integration: created, group };
  }

  async sendAlert(path: string, text: string): Promise<void> {
    expect(await this.service.post(path, { msg_type: 'text', content: { text } })).toEqual({ status: 200, body: FEISHU_SUCCESS });
  }

  /** A text alert to the group's channel; the new incident and, once card syncs are idle, its card. */
  async triggerWithCard(setup: DingTalkBoundGroup, text = `Primary database is down ${randomHex(3)}`): Promise<{ incident: any; card: FakeDingTalkCard }> {
    const before = this.incidentCardsIn(setup.group).length;
    await this.sendAlert(setup.integration.path, text);
    const [incident] = await incidentsOfChannel(this.service, setup.channel.id);
    await this.service.services.cards.idle();
    const cards = this.incidentCardsIn(setup.group);
    expect(cards).toHaveLength(before + 1);
    return { incident, card: cards[cards.length - 1] };
  }

  /** The incident cards in the group (not page cards), oldest first. */
  incidentCardsIn(group: FakeDingTalkGroup): FakeDingTalkCard[] {
    return this.fake.state.cardsIn(group.openConversationId).filter((card) => card.params.id !== undefined);
  }

  /** `who` clicks the button `action` on the card as it shows now (or as `shown` showed it), over Stream. */
  async click(who: DingTalkPerson, card: FakeDingTalkCard, action: string, shown: Record<string, string> = card.params): Promise<DingTalkClick> {
    const button = shownButtons(shown).find((candidate) => candidate.callback?.actionId === action);
    if (!button?.callback) throw new Error(`the card shows no ${action} button`);
    const data = {
      type: 'actionCallback',
      outTrackId: card.outTrackId,
      userId: who.user.staffId,
      corpId: 'dingcorp',
      spaceType: 'IM_GROUP',
      spaceId: card.openConversationId,
      content: JSON.stringify({ cardPrivateData: { actionIds: [button.callback.actionId], params: button.callback.params } }),
    };
    const response = (await this.callbacks.deliver(DINGTALK_TOPIC_CARD, data)) as any;
    // As DingTalk does: the answer's card data redraws the card for everyone.
    if (response?.cardData?.cardParamMap) applyCardData(card, response.cardData.cardParamMap, response.cardUpdateOptions?.updateCardDataByKey === true);
    const privateParams = response?.userPrivateData?.cardParamMap ?? {};
    return { response, toast: privateParams.toast ?? '', toastKind: privateParams.toastKind ?? '' };
  }

  /** `who` sends `text` to the robot: @mentioning it in a group, or in their 1:1 chat with it. */
  async say(who: DingTalkPerson, text: string, group?: FakeDingTalkGroup): Promise<void> {
    const data = {
      conversationId: group ? group.openConversationId : `cid1to1${who.user.staffId}`,
      conversationType: group ? '2' : '1',
      conversationTitle: group?.title,
      senderStaffId: who.user.staffId,
      senderId: `$:LWCP_v1:$${randomHex(8)}`,
      senderNick: who.user.name,
      msgId: `msg${randomHex(8)}`,
      robotCode: this.fake.state.robotCode,
      chatbotUserId: `$:LWCP_v1:$bot`,
      msgtype: 'text',
      text: { content: group ? ` ${text}` : text },
      isInAtList: Boolean(group),
      atUsers: group ? [{ dingtalkId: '$:LWCP_v1:$bot' }] : [],
      createAt: Date.now(),
    };
    await this.callbacks.deliver(DINGTALK_TOPIC_ROBOT, data);
  }

  groupTexts(group: FakeDingTalkGroup): string[] {
    return this.fake.state.groupMessages.filter((message) => message.openConversationId === group.openConversationId).map((message) => message.msgParam.content ?? message.msgParam.text);
  }

  directTexts(who: DingTalkPerson): string[] {
    return this.fake.state.directMessages.filter((message) => message.staffId === who.user.staffId).map((message) => message.msgParam.content ?? message.msgParam.text);
  }

  /** The next message of the robot to the person, after the first `skip`. */
  nextDirect(who: DingTalkPerson, skip = 0): Promise<string> {
    return waitFor(`a 1:1 message to ${who.user.name}`, () => this.directTexts(who)[skip]);
  }

  nextInGroup(group: FakeDingTalkGroup, skip = 0): Promise<string> {
    return waitFor(`a message in ${group.title}`, () => this.groupTexts(group)[skip]);
  }

  updatesOf(card: FakeDingTalkCard) {
    return this.fake.state.requestsTo('card.update').filter((request) => request.body?.outTrackId === card.outTrackId);
  }
}
