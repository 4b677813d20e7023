import { renderDingTalkCardParams } from '../../src/platforms/dingtalk/dingtalk-card.renderer.js';
import type { FakeDingTalkCard, FakeDingTalkGroup, FakeDingTalkRequest } from '../fakes/dingtalk-open-api.js';
import { shownButtons, shownText } from '../fakes/dingtalk-card-template.js';
import type { DatabaseKind } from '../support/databases.js';
import { DingTalkAppWorld, type DingTalkPerson } from '../support/dingtalk-app-world.js';
import type { BoundChat, ChatAppChat, ChatAppDriver, ChatAppDriverFactory, ChatAppUser, ClickAnswer, CommandReply, ShownCard, UpdateOutcome } from './chat-app-driver.js';

const PRIVATE_POINTER = 'I sent you the answer in our 1:1 chat.';
const THROTTLE_CODES = new Set<unknown>(['Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', 'Forbidden.AccessDenied.QpsLimitForApi', 90018, 90002]);

function shown(card: FakeDingTalkCard): ShownCard {
  const callbacks = shownButtons(card.params).flatMap((button) => (button.callback ? [button.callback] : []));
  const step = callbacks.find((callback) => callback.actionId === 'escalate')?.params.step;
  return {
    chatId: card.openConversationId,
    messageId: card.outTrackId,
    incidentId: Number(card.params.id),
    status: card.params.statusLabel,
    actions: callbacks.map((callback) => callback.actionId),
    escalateStep: step === undefined ? undefined : Number(step),
    text: shownText(card.params),
    content: { ...card.params },
  };
}

function outcomeOf(request: FakeDingTalkRequest): UpdateOutcome {
  if (THROTTLE_CODES.has(request.code)) return 'throttled';
  if (request.status === 200) return 'ok';
  return request.code === 'param.cardInstanceNotExist' ? 'gone' : 'failed';
}

/** The DingTalk app (Stream mode, card template) on the fake DingTalk: clicks and robot messages through the fake gateway. */
class DingTalkDriver implements ChatAppDriver {
  readonly platform = 'dingtalk' as const;
  readonly answerKinds = true;
  private readonly people = new Map<string, DingTalkPerson>();

  constructor(private readonly world: DingTalkAppWorld) {}

  get service() {
    return this.world.service;
  }

  private get state() {
    return this.world.fake.state;
  }

  stop(): Promise<void> {
    return this.world.stop();
  }

  private person(user: ChatAppUser): DingTalkPerson {
    return this.people.get(user.externalId)!;
  }

  private group(chat: ChatAppChat): FakeDingTalkGroup | undefined {
    return chat.direct ? undefined : this.state.groups.get(chat.chatId);
  }

  private card(card: ShownCard): FakeDingTalkCard {
    return this.state.cards.get(card.messageId)!;
  }

  async user(name: string, options: { linked?: boolean } = {}): Promise<ChatAppUser> {
    const person = await this.world.person(name, { member: options.linked !== false });
    this.people.set(person.user.staffId, person);
    return { name, email: person.email, externalId: person.user.staffId, ...(person.member ? { member: person.member } : {}) };
  }

  async boundChat(users: ChatAppUser[], options: { pushMode?: string } = {}): Promise<BoundChat> {
    const setup = await this.world.boundGroup(users.map((user) => this.person(user)), options.pushMode ? { pushMode: options.pushMode } : {});
    return { chatId: setup.group.openConversationId, name: setup.group.title, direct: false, channel: setup.channel, hookPath: setup.integration.path };
  }

  groupChat(users: ChatAppUser[]): ChatAppChat {
    const group = this.state.addGroup({ title: this.world.unique('war-room'), members: users.map((user) => user.externalId) });
    return { chatId: group.openConversationId, name: group.title, direct: false };
  }

  directChat(user: ChatAppUser): ChatAppChat {
    return { chatId: `cid1to1${user.externalId}`, name: user.name, direct: true };
  }

  cards(chat: ChatAppChat): ShownCard[] {
    const group = this.group(chat);
    return group ? this.world.incidentCardsIn(group).map(shown) : [];
  }

  current(card: ShownCard): ShownCard {
    return shown(this.card(card));
  }

  async renderedNow(incidentId: number): Promise<unknown> {
    return renderDingTalkCardParams(await this.service.services.views.build(incidentId));
  }

  updateAttempts(card: ShownCard): UpdateOutcome[] {
    return this.world.updatesOf(this.card(card)).map(outcomeOf);
  }

  postAttempts(chat: ChatAppChat): number {
    const creates = this.state.requestsTo('card.create').filter((request) => request.body?.openSpaceId === `dtv1.card//IM_GROUP.${chat.chatId}`);
    const messages = this.state.requestsTo('group.send').filter((request) => request.body?.openConversationId === chat.chatId);
    return creates.length + messages.length;
  }

  throttledSince(sinceMs: number): number {
    return this.state.requests.filter((request) => request.at >= sinceMs && THROTTLE_CODES.has(request.code)).length;
  }

  /** The click as DingTalk delivers it over Stream; the answer's card data redraws the card, its private note is the toast. */
  async click(user: ChatAppUser, card: ShownCard, action: string): Promise<ClickAnswer> {
    const click = await this.world.click(this.person(user), this.card(card), action, card.content as Record<string, string>);
    return { text: click.toast, kind: click.toastKind as ClickAnswer['kind'] };
  }

  /** The answer the sender sees: the robot's reply in the chat, or the 1:1 message the group points to. */
  async command(user: ChatAppUser, chat: ChatAppChat, text: string): Promise<CommandReply> {
    const person = this.person(user);
    const skipDirect = this.world.directTexts(person).length;
    const group = this.group(chat);
    if (!group) {
      await this.world.say(person, text);
      return { text: await this.world.nextDirect(person, skipDirect), visibleTo: 'caller' };
    }
    const skip = this.world.groupTexts(group).length;
    await this.world.say(person, text, group);
    const said = await this.world.nextInGroup(group, skip);
    if (said === PRIVATE_POINTER) return { text: await this.world.nextDirect(person, skipDirect), visibleTo: 'caller' };
    return { text: said, visibleTo: 'everyone' };
  }

  directMessages(user: ChatAppUser): string[] {
    return this.world.directTexts(this.person(user));
  }

  /** Robot messages in the group and page cards (their notice, after the @mentions their atUserIds make), oldest first. */
  notices(chat: ChatAppChat): string[] {
    const messages = this.state.groupMessages
      .filter((message) => message.openConversationId === chat.chatId)
      .map((message) => ({ at: message.at, text: message.msgParam.content ?? message.msgParam.text }));
    const pages = this.state
      .cardsIn(chat.chatId)
      .filter((card) => card.params.notice)
      .map((card) => ({ at: card.createdAt, text: [...Object.keys(card.atUserIds).map((id) => `@${id}`), card.params.notice].join(' ') }));
    return [...messages, ...pages].sort((a, b) => a.at - b.at).map((entry) => entry.text);
  }

  mentions(text: string, user: ChatAppUser): boolean {
    return text.includes(`@${user.externalId}`);
  }

  refuseMessagesTo(user: ChatAppUser): void {
    this.state.refusedStaffIds.add(user.externalId);
  }

  /** The card instance is gone at DingTalk: the next update answers param.cardInstanceNotExist. */
  makeCardGone(card: ShownCard): void {
    this.card(card).deleted = true;
  }

  removeBot(): Promise<void> {
    throw new Error('DingTalk reports no robot leaving a group (see dingtalk-app.test.ts for how the app learns it)');
  }

  addBot(): Promise<ChatAppChat> {
    throw new Error('DingTalk reports no robot joining a group');
  }
}

export const dingtalkDriver: ChatAppDriverFactory = {
  platform: 'dingtalk',
  membershipEvents: false,
  start: async (kind: DatabaseKind) => new DingTalkDriver(await DingTalkAppWorld.start(kind, 'contract_dingtalk')),
};
