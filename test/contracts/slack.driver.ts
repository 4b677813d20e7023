import { renderSlackIncidentMessage } from '../../src/platforms/slack/slack-message.renderer.js';
import { slackVisibleText, type FakeSlackMessage, type FakeSlackRequest } from '../fakes/slack-web-api.js';
import type { DatabaseKind } from '../support/databases.js';
import { slackButtons, slackMessageText, slackStatus } from '../support/slack-app-helpers.js';
import { ACK_DEADLINE_MS, SlackAppWorld, type SlackPerson } from '../support/slack-app-world.js';
import type { BoundChat, ChatAppChat, ChatAppDriver, ChatAppDriverFactory, ChatAppUser, ClickAnswer, CommandReply, ShownCard, UpdateOutcome } from './chat-app-driver.js';

/** Slack's answers to chat.update of a message that can no longer be changed. */
const GONE_ERRORS = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

interface ButtonValue {
  action: string;
  incidentId: number;
  step?: number;
}

/** What a user's Slack shows of the message: its text and attachments (the Block Kit blocks live in the attachment). */
const contentOf = (message: FakeSlackMessage) => ({ text: message.text, attachments: message.attachments });

function shown(message: FakeSlackMessage): ShownCard {
  const values = slackButtons(message)
    .map((button) => button.value as ButtonValue | undefined)
    .filter((value): value is ButtonValue => value !== undefined);
  return {
    chatId: message.channel,
    messageId: message.ts,
    incidentId: values[0]?.incidentId,
    status: slackStatus(message),
    // Slack buttons cannot be disabled: a button that must not be clicked is left out.
    actions: values.map((value) => value.action),
    escalateStep: values.find((value) => value.action === 'escalate')?.step,
    text: slackMessageText(message),
    content: structuredClone(contentOf(message)),
  };
}

function outcomeOf(request: FakeSlackRequest): UpdateOutcome {
  if (request.status === 429) return 'throttled';
  if (request.ok) return 'ok';
  return request.error && GONE_ERRORS.has(request.error) ? 'gone' : 'failed';
}

/** The Slack app (HTTP request URL, requests signed with the signing secret) on the fake Web API. */
class SlackDriver implements ChatAppDriver {
  readonly platform = 'slack' as const;
  readonly answerKinds = false;
  private readonly people = new Map<string, SlackPerson>();

  constructor(private readonly world: SlackAppWorld) {}

  get service() {
    return this.world.service;
  }

  private get state() {
    return this.world.fake.state;
  }

  stop(): Promise<void> {
    return this.world.stop();
  }

  private person(user: ChatAppUser): SlackPerson {
    return this.people.get(user.externalId)!;
  }

  private message(card: ShownCard): FakeSlackMessage {
    return this.state.message(card.chatId, card.messageId)!;
  }

  async user(name: string, options: { linked?: boolean } = {}): Promise<ChatAppUser> {
    const person = await this.world.person(name, { member: options.linked !== false });
    this.people.set(person.user.id, person);
    return { name, email: person.email, externalId: person.user.id, ...(person.member ? { member: person.member } : {}) };
  }

  async boundChat(users: ChatAppUser[], options: { pushMode?: string } = {}): Promise<BoundChat> {
    const setup = await this.world.boundChannel(users.map((user) => this.person(user)), { integration: options.pushMode ? { pushMode: options.pushMode } : {} });
    return { chatId: setup.slack.id, name: setup.slack.name, direct: false, channel: setup.channel, hookPath: setup.integration.path };
  }

  groupChat(users: ChatAppUser[]): ChatAppChat {
    const channel = this.state.addChannel({ name: this.world.unique('war-room'), members: users.map((user) => user.externalId) });
    return { chatId: channel.id, name: channel.name, direct: false };
  }

  directChat(user: ChatAppUser): ChatAppChat {
    const channel = this.world.directChannelOf(this.person(user).user);
    return { chatId: channel.id, name: channel.name, direct: true };
  }

  cards(chat: ChatAppChat): ShownCard[] {
    return this.world.incidentMessagesIn(chat.chatId).map(shown);
  }

  current(card: ShownCard): ShownCard {
    return shown(this.message(card));
  }

  async renderedNow(incidentId: number): Promise<unknown> {
    return renderSlackIncidentMessage(await this.service.services.views.build(incidentId));
  }

  updateAttempts(card: ShownCard): UpdateOutcome[] {
    return this.world.updatesOf(this.message(card)).map(outcomeOf);
  }

  postAttempts(chat: ChatAppChat): number {
    return this.state.requestsTo('chat.postMessage').filter((request) => request.args.channel === chat.chatId).length;
  }

  throttledSince(sinceMs: number): number {
    return this.state.requests.filter((request) => request.at >= sinceMs && request.status === 429).length;
  }

  /** The click as Slack delivers it (acknowledged at once, empty); the answer is the ephemeral reply at the response_url. */
  async click(user: ChatAppUser, card: ShownCard, action: string): Promise<ClickAnswer> {
    const version = card.content as ReturnType<typeof contentOf>;
    const response = await this.world.clickAndAnswer(this.person(user), this.message(card), `oncall:${action}`, { shown: { at: 0, ...version } });
    expect(response.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    return { text: this.world.visible(response) };
  }

  async command(user: ChatAppUser, chat: ChatAppChat, text: string): Promise<CommandReply> {
    const response = await this.world.command(this.person(user), this.state.channels.get(chat.chatId)!, text);
    return { text: this.world.visible(response), visibleTo: response.body.response_type === 'in_channel' ? 'everyone' : 'caller' };
  }

  directMessages(user: ChatAppUser): string[] {
    return this.state.dmsTo(user.externalId).map((message) => slackVisibleText(message.text));
  }

  notices(chat: ChatAppChat): string[] {
    return this.world
      .botMessagesIn(chat.chatId)
      .filter((message) => message.attachments === undefined)
      .map((message) => slackVisibleText(message.text));
  }

  /** Mentions read `<@U…>`, shown as `@U…` by slackVisibleText without the user table. */
  mentions(text: string, user: ChatAppUser): boolean {
    return text.includes(`@${user.externalId}`);
  }

  refuseMessagesTo(user: ChatAppUser): void {
    // Posting to a user id is a DM; a group post @mentions them as <@U…>.
    const toUser = (args: Record<string, any>) => args.channel === user.externalId || String(args.text ?? '').includes(`<@${user.externalId}>`);
    this.state.failNext('chat.postMessage', 'restricted_action', { times: Infinity, match: toUser });
  }

  /** Someone deleted the message: chat.update answers message_not_found. */
  makeCardGone(card: ShownCard): void {
    this.message(card).deleted = true;
  }

  async removeBot(chat: ChatAppChat): Promise<void> {
    const remover = this.state.addUser({ name: this.world.unique('remover') });
    const left = this.world.event({ type: 'channel_left', channel: chat.chatId, actor_id: remover.id });
    expect((await this.world.deliverEvent(left)).status).toBe(200);
    this.state.channels.get(chat.chatId)!.botIsMember = false;
  }

  /** The bot joins (invited by someone); Slack retries the event (same event_id, x-slack-retry-num) after the first. */
  async addBot(deliveries: number): Promise<ChatAppChat> {
    const inviter = this.state.addUser({ name: this.world.unique('inviter') });
    const room = this.state.addChannel({ name: this.world.unique('new-room'), members: [inviter.id] });
    const joined = this.world.event({
      type: 'member_joined_channel',
      user: this.world.botUserId,
      channel: room.id,
      channel_type: 'C',
      team: this.world.workspace.teamId,
      inviter: inviter.id,
    });
    for (let delivery = 0; delivery < deliveries; delivery++) {
      const answer = await this.world.deliverEvent(joined, delivery === 0 ? undefined : delivery);
      expect(answer.status).toBe(200);
      expect(answer.elapsedMs).toBeLessThan(ACK_DEADLINE_MS);
    }
    return { chatId: room.id, name: room.name, direct: false };
  }
}

export const slackDriver: ChatAppDriverFactory = {
  platform: 'slack',
  start: async (kind: DatabaseKind) => new SlackDriver(await SlackAppWorld.start(kind, 'contract_slack')),
};
