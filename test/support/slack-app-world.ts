import type { AppConfig } from '../../src/config/config.js';
import {
  slackVisibleText,
  startFakeSlack,
  type FakeSlack,
  type FakeSlackChannel,
  type FakeSlackMessage,
  type FakeSlackMessageVersion,
  type FakeSlackResponse,
  type FakeSlackUser,
} from '../fakes/slack-web-api.js';
import { createChannel, createMember } from './admin-helpers.js';
import { REDIS_TEST_URL, type DatabaseKind } from './databases.js';
import { randomHex, waitFor } from './feishu-app-helpers.js';
import { FEISHU_SUCCESS, createIntegration, incidentsOfChannel, type CreatedIntegration } from './feishu-helpers.js';
import {
  FORM_CONTENT_TYPE,
  blockActionsPayload,
  eventCallback,
  payloadBody,
  sendToApp,
  signedRequest,
  slashCommandBody,
  workspaceOf,
  type SignOptions,
  type SlackAnswer,
  type SlackRequest,
  type SlackWorkspace,
} from './slack-requests.js';
import { startTestService, type TestService } from './test-service.js';

/**
 * One running service with the Slack app (HTTP request URL) on a fake Web API, and the steps the Slack app suites
 * share: people in the fake workspace, bound channels, incidents with their messages, clicks, slash commands and
 * events sent exactly as Slack sends them (signed with the signing secret).
 */

/** Slack wants every request acknowledged within 3 s. */
export const ACK_DEADLINE_MS = 3000;
export const BOT_TOKEN = 'xoxb-test';

export interface SlackPerson {
  user: FakeSlackUser;
  email: string;
  /** The on-call member with the same email, unless the person was made without one. */
  member?: { id: number; name: string };
}

export interface BoundChannel {
  channel: { id: number; name: string };
  integration: CreatedIntegration;
  slack: FakeSlackChannel;
}

export interface Click {
  answer: SlackAnswer;
  responseUrl: string;
}

export interface ClickOptions {
  sign?: SignOptions;
  /** Rewrites the request after signing. */
  tamper?: (request: SlackRequest) => void;
  /** Signs with another secret. */
  secret?: string;
  /** The service to send it to (default the world's). */
  on?: TestService;
  /** The version of the message the user's Slack still showed (a click on a stale message); default as it is now. */
  shown?: FakeSlackMessageVersion;
  /** Overrides the button's value (a forged or stale button). */
  value?: string;
}

export class SlackAppWorld {
  private counter = 0;

  private constructor(
    readonly fake: FakeSlack,
    readonly service: TestService,
    readonly signingSecret: string,
    readonly workspace: SlackWorkspace,
    /** The bot user id, as the app learns it from auth.test. */
    readonly botUserId: string,
  ) {}

  /** A service on `kind` (MariaDB with Redis, so events are deduplicated there) and its own fake Web API. */
  static async start(kind: DatabaseKind, label: string): Promise<SlackAppWorld> {
    const fake = await startFakeSlack({ botToken: BOT_TOKEN });
    const signingSecret = randomHex(16);
    const service = await startTestService(kind, label, {
      ...slackConfig(fake, signingSecret),
      ...(kind === 'mariadb' ? { redisUrl: REDIS_TEST_URL } : {}),
    });
    const identity = (await fetch(`${fake.url}auth.test`, { method: 'POST', headers: { authorization: `Bearer ${BOT_TOKEN}` } }).then((response) => response.json())) as {
      ok: boolean;
      user_id: string;
    };
    if (!identity.ok) throw new Error('auth.test failed on the fake Slack');
    return new SlackAppWorld(fake, service, signingSecret, workspaceOf(fake), identity.user_id);
  }

  async stop(): Promise<void> {
    await this.service.stop();
    await this.fake.close();
  }

  /** The `slack` configuration of this world's app, for another service on the same fake workspace. */
  config(): Partial<AppConfig> {
    return slackConfig(this.fake, this.signingSecret);
  }

  unique(prefix: string): string {
    return `${prefix}-${++this.counter}-${randomHex(3)}`;
  }

  /** Someone in the fake workspace and (unless `member: false`) an on-call member with the same email. */
  async person(name: string, options: { member?: boolean; on?: TestService } = {}): Promise<SlackPerson> {
    const email = `${name.toLowerCase().replace(/\W/g, '')}.${randomHex(4)}@example.com`;
    const user = this.fake.state.addUser({ name: name.toLowerCase(), realName: name, email });
    if (options.member === false) return { user, email };
    const member = await createMember(options.on ?? this.service, name, { email });
    return { user, email, member };
  }

  /** A channel with an integration, and a Slack channel (the bot in it) bound to it through the admin API. */
  async boundChannel(members: SlackPerson[] = [], options: { on?: TestService; integration?: Record<string, unknown> } = {}): Promise<BoundChannel> {
    const on = options.on ?? this.service;
    const channel = await createChannel(on, this.unique('sre'));
    const integration = await createIntegration(on, { channelId: channel.id, ...options.integration });
    const slack = this.fake.state.addChannel({ name: channel.name, members: members.map((person) => person.user.id) });
    const binding = await on.api('POST', '/chat-bindings', { platform: 'slack', chatId: slack.id, channelId: channel.id, chatName: slack.name });
    expect(binding).toEqual({ status: 201, body: expect.objectContaining({ platform: 'slack', chatId: slack.id, channelId: channel.id }) });
    return { channel, integration, slack };
  }

  /** The app's DM channel with the user (the one Slack opens when the bot posts to the user id). */
  directChannelOf(user: FakeSlackUser): FakeSlackChannel {
    return (
      this.fake.state.dmChannelOf(user.id) ??
      this.fake.state.addChannel({ name: `dm-${user.id.toLowerCase()}`, isIm: true, imUser: user.id, isPrivate: true, botIsMember: true, members: [user.id] })
    );
  }

  botMessagesIn(channelId: string): FakeSlackMessage[] {
    return this.fake.state.messagesIn(channelId).filter((message) => message.user === this.botUserId);
  }

  /** The incident messages (the ones with attachments) the bot posted in the channel. */
  incidentMessagesIn(channelId: string): FakeSlackMessage[] {
    return this.botMessagesIn(channelId).filter((message) => message.attachments !== undefined);
  }

  latest(message: FakeSlackMessage): FakeSlackMessage {
    return this.fake.state.message(message.channel, message.ts)!;
  }

  /** The chat.update calls (successful or not) for the message. */
  updatesOf(message: FakeSlackMessage) {
    return this.fake.state.requestsTo('chat.update').filter((request) => request.args.ts === message.ts);
  }

  async sendAlert(path: string, text: string, on: TestService = this.service): Promise<void> {
    expect(await on.post(path, { msg_type: 'text', content: { text } })).toEqual({ status: 200, body: FEISHU_SUCCESS });
  }

  /** A text alert to the channel's integration; returns the new incident and, once card syncs are idle, its message. */
  async triggerWithMessage(setup: BoundChannel, on: TestService = this.service): Promise<{ incident: any; message: FakeSlackMessage }> {
    const text = `Primary database is down ${randomHex(3)}`;
    const before = this.incidentMessagesIn(setup.slack.id).length;
    await this.sendAlert(setup.integration.path, text, on);
    const [incident] = await incidentsOfChannel(on, setup.channel.id);
    expect(incident.description).toBe(text);
    await on.services.cards.idle();
    const messages = this.incidentMessagesIn(setup.slack.id);
    expect(messages).toHaveLength(before + 1);
    return { incident, message: messages[messages.length - 1] };
  }

  /** Sends a signed request to the app (`tamper` may rewrite it first). */
  send(request: SlackRequest, tamper?: (request: SlackRequest) => void, on: TestService = this.service): Promise<SlackAnswer> {
    tamper?.(request);
    return sendToApp(on.url, request);
  }

  /** Clicks the message's button `actionId` as `who`, the way Slack delivers it. */
  async click(who: SlackPerson, message: FakeSlackMessage, actionId: string, options: ClickOptions = {}): Promise<Click> {
    const channel = this.fake.state.channels.get(message.channel)!;
    const responseUrl = this.fake.state.newResponseUrl({ kind: 'action', channel: channel.id, user: who.user.id, messageTs: message.ts });
    const current = this.latest(message);
    const asShown = options.shown ? { ...current, text: options.shown.text, blocks: options.shown.blocks, attachments: options.shown.attachments } : current;
    const payload = blockActionsPayload(this.workspace, { user: who.user, channel, message: asShown, actionId, responseUrl, value: options.value });
    const request = signedRequest(options.secret ?? this.signingSecret, payloadBody(payload), FORM_CONTENT_TYPE, options.sign);
    const answer = await this.send(request, options.tamper, options.on);
    return { answer, responseUrl };
  }

  responseAt(url: string, index = 0): Promise<FakeSlackResponse> {
    return waitFor(`response #${index + 1} at ${url}`, () => this.fake.state.responsesTo(url)[index]);
  }

  /** A genuine click, acknowledged at once (empty 200), and the answer posted to its response_url. */
  async clickAndAnswer(who: SlackPerson, message: FakeSlackMessage, actionId: string, options: Pick<ClickOptions, 'on' | 'shown' | 'value'> = {}): Promise<FakeSlackResponse> {
    const { answer, responseUrl } = await this.click(who, message, actionId, options);
    expect(answer).toEqual({ status: 200, text: '', elapsedMs: expect.any(Number) });
    expect(answer.elapsedMs).toBeLessThan(ACK_DEADLINE_MS);
    return this.responseAt(responseUrl);
  }

  /** `/oncall <text>` in `channel` as `who`; the answer Slack gets at the response_url. */
  async command(who: SlackPerson, channel: FakeSlackChannel, text: string): Promise<FakeSlackResponse> {
    const { user } = who;
    const responseUrl = this.fake.state.newResponseUrl({ kind: 'command', channel: channel.id, user: user.id });
    const body = slashCommandBody(this.workspace, { text, user, channel, responseUrl });
    const answer = await this.send(signedRequest(this.signingSecret, body, FORM_CONTENT_TYPE));
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('');
    expect(answer.elapsedMs).toBeLessThan(ACK_DEADLINE_MS);
    return this.responseAt(responseUrl);
  }

  /** An Events API callback for the bot, signed; `retryNum` makes it a retry as Slack sends one. */
  deliverEvent(envelope: object, retryNum?: number): Promise<SlackAnswer> {
    return this.send(signedRequest(this.signingSecret, JSON.stringify(envelope), 'application/json', { retryNum }));
  }

  /** An event_callback envelope of this workspace, addressed to the bot. */
  event(event: Record<string, unknown>, eventId?: string) {
    return eventCallback(this.workspace, { botUserId: this.botUserId, event, eventId });
  }

  /** The text a response shows, with mentions and channel links as Slack renders them. */
  visible(response: FakeSlackResponse): string {
    return slackVisibleText(String(response.body.text ?? ''), this.fake.state.users, this.fake.state.channels);
  }
}

function slackConfig(fake: FakeSlack, signingSecret: string): Partial<AppConfig> {
  return { slack: { botToken: BOT_TOKEN, signingSecret, connection: 'http', apiUrl: fake.url } };
}
