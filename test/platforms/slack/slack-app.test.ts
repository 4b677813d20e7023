/**
 * The Slack app end to end, through real HTTP: alerts in → Block Kit incident messages out to the fake Web API →
 * button clicks, slash commands and events back in exactly as Slack sends them (form or JSON bodies, signed with the
 * signing secret) → incident changes, answers at the response_url and chat.update of the message. The SQLite suite
 * dedupes events on the database, the MariaDB one on Redis.
 */
import { renderFeishuIncidentCard } from '../../../src/platforms/feishu/feishu-card.renderer.js';
import { ChatMessageEntity } from '../../../src/db/entities/chat-message.entity.js';
import { renderSlackIncidentMessage } from '../../../src/platforms/slack/slack-message.renderer.js';
import { cardActionEvent } from '../../fakes/feishu-callbacks.js';
import { startFakeFeishu, type FakeFeishu } from '../../fakes/feishu-open-api.js';
import {
  slackVisibleText,
  startFakeSlack,
  type FakeSlack,
  type FakeSlackChannel,
  type FakeSlackMessage,
  type FakeSlackMessageVersion,
  type FakeSlackResponse,
  type FakeSlackUser,
} from '../../fakes/slack-web-api.js';
import { createChannel, createMember } from '../../support/admin-helpers.js';
import { DATABASE_KINDS, REDIS_TEST_URL } from '../../support/databases.js';
import { cardStatus, cardText, postCallback, randomHex, waitFor, type FeishuAppSecrets } from '../../support/feishu-app-helpers.js';
import { FEISHU_SUCCESS, createIntegration, incidentDetail, incidentsOfChannel, postMessage, type CreatedIntegration } from '../../support/feishu-helpers.js';
import { slackButtons, slackMessageText, slackStatus, slackTitle } from '../../support/slack-app-helpers.js';
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
} from '../../support/slack-requests.js';
import { startTestService, type TestService } from '../../support/test-service.js';

/** Slack wants every request acknowledged within 3 s. */
const ACK_DEADLINE_MS = 3000;
const BOT_TOKEN = 'xoxb-test';

interface Person {
  user: FakeSlackUser;
  email: string;
  /** The on-call member with the same email, unless the person was made without one. */
  member?: { id: number; name: string };
}

interface BoundChannel {
  channel: { id: number; name: string };
  integration: CreatedIntegration;
  slack: FakeSlackChannel;
}

interface Click {
  answer: SlackAnswer;
  responseUrl: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const kindsOf = (timeline: any[]) => timeline.map((entry) => entry.kind);

describe.each(DATABASE_KINDS)('Slack app end to end on %s', (kind) => {
  let fake: FakeSlack;
  let service: TestService;
  let signingSecret: string;
  let workspace: SlackWorkspace;
  let botUserId: string;
  let counter = 0;
  const unique = (prefix: string) => `${prefix}-${++counter}-${randomHex(3)}`;

  const slackOverrides = () => ({ slack: { botToken: BOT_TOKEN, signingSecret, connection: 'http' as const, apiUrl: fake.url } });

  beforeAll(async () => {
    fake = await startFakeSlack({ botToken: BOT_TOKEN });
    signingSecret = randomHex(16);
    service = await startTestService(kind, 'slack_app_e2e', { ...slackOverrides(), ...(kind === 'mariadb' ? { redisUrl: REDIS_TEST_URL } : {}) });
    workspace = workspaceOf(fake);
    // The bot user id, as the app learns it: from auth.test.
    const identity = (await fetch(`${fake.url}auth.test`, { method: 'POST', headers: { authorization: `Bearer ${BOT_TOKEN}` } }).then((response) => response.json())) as {
      ok: boolean;
      user_id: string;
    };
    expect(identity.ok).toBe(true);
    botUserId = identity.user_id;
  });
  afterAll(async () => {
    await service?.stop();
    await fake?.close();
  });
  beforeEach(() => {
    fake.state.postingLimit.enabled = true;
    fake.state.injectFailures.length = 0;
  });

  /** Someone in the fake workspace and (unless `member: false`) an on-call member with the same email. */
  async function person(name: string, options: { member?: boolean; on?: TestService } = {}): Promise<Person> {
    const email = `${name.toLowerCase().replace(/\W/g, '')}.${randomHex(4)}@example.com`;
    const user = fake.state.addUser({ name: name.toLowerCase(), realName: name, email });
    if (options.member === false) return { user, email };
    const member = await createMember(options.on ?? service, name, { email });
    return { user, email, member };
  }

  /** A channel with an integration, and a Slack channel (the bot in it) bound to it through the admin API. */
  async function boundChannel(members: Person[] = [], on: TestService = service, integrationSettings: Record<string, unknown> = {}): Promise<BoundChannel> {
    const channel = await createChannel(on, unique('sre'));
    const integration = await createIntegration(on, { channelId: channel.id, ...integrationSettings });
    const slack = fake.state.addChannel({ name: channel.name, members: members.map((p) => p.user.id) });
    const binding = await on.api('POST', '/chat-bindings', { platform: 'slack', chatId: slack.id, channelId: channel.id, chatName: slack.name });
    expect(binding).toEqual({ status: 201, body: expect.objectContaining({ platform: 'slack', chatId: slack.id, channelId: channel.id }) });
    return { channel, integration, slack };
  }

  const botMessagesIn = (channelId: string) => fake.state.messagesIn(channelId).filter((message) => message.user === botUserId);
  /** The incident messages (the ones with attachments) the bot posted in the channel. */
  const incidentMessagesIn = (channelId: string) => botMessagesIn(channelId).filter((message) => message.attachments !== undefined);
  const latest = (message: FakeSlackMessage) => fake.state.message(message.channel, message.ts)!;
  /** The message as it should look now, rendered from the incident's current state. */
  const currentMessage = async (incidentId: number, on: TestService = service) => renderSlackIncidentMessage(await on.services.views.build(incidentId));
  const contentOf = (message: FakeSlackMessage) => ({ text: message.text, attachments: message.attachments });
  const bindingsOf = async (chatId: string) => ((await service.api('GET', '/chat-bindings')).body.items as any[]).filter((b) => b.chatId === chatId);
  const updatesOf = (message: FakeSlackMessage) => fake.state.requestsTo('chat.update').filter((request) => request.args.ts === message.ts);

  async function sendAlert(on: TestService, path: string, text: string): Promise<void> {
    expect(await on.post(path, { msg_type: 'text', content: { text } })).toEqual({ status: 200, body: FEISHU_SUCCESS });
  }

  /** A text alert to the channel's integration; returns the new incident and, once card syncs are idle, its message. */
  async function triggerWithMessage(setup: BoundChannel, on: TestService = service): Promise<{ incident: any; message: FakeSlackMessage }> {
    const text = `Primary database is down ${randomHex(3)}`;
    const before = incidentMessagesIn(setup.slack.id).length;
    await sendAlert(on, setup.integration.path, text);
    const [incident] = await incidentsOfChannel(on, setup.channel.id);
    expect(incident.description).toBe(text);
    await on.services.cards.idle();
    const messages = incidentMessagesIn(setup.slack.id);
    expect(messages).toHaveLength(before + 1);
    return { incident, message: messages[messages.length - 1] };
  }

  /** Signs and sends; `tamper` may rewrite the request after signing. */
  function send(request: SlackRequest, tamper?: (request: SlackRequest) => void, on: TestService = service): Promise<SlackAnswer> {
    tamper?.(request);
    return sendToApp(on.url, request);
  }

  /**
   * Clicks the message's button `actionId` as `who`, the way Slack delivers it. `shown`: the version of the message
   * the user's Slack still showed (a click on a stale message); default the message as it is now.
   */
  async function click(
    who: Person,
    message: FakeSlackMessage,
    actionId: string,
    options: { sign?: SignOptions; tamper?: (request: SlackRequest) => void; secret?: string; on?: TestService; shown?: FakeSlackMessageVersion } = {},
  ): Promise<Click> {
    const channel = fake.state.channels.get(message.channel)!;
    const responseUrl = fake.state.newResponseUrl({ kind: 'action', channel: channel.id, user: who.user.id, messageTs: message.ts });
    const current = latest(message);
    const asShown = options.shown ? { ...current, text: options.shown.text, blocks: options.shown.blocks, attachments: options.shown.attachments } : current;
    const payload = blockActionsPayload(workspace, { user: who.user, channel, message: asShown, actionId, responseUrl });
    const request = signedRequest(options.secret ?? signingSecret, payloadBody(payload), FORM_CONTENT_TYPE, options.sign);
    const answer = await send(request, options.tamper, options.on);
    return { answer, responseUrl };
  }

  const responseAt = (url: string, index = 0): Promise<FakeSlackResponse> =>
    waitFor(`response #${index + 1} at ${url}`, () => fake.state.responsesTo(url)[index]);

  /** A genuine click, acknowledged at once (empty 200), and the answer posted to its response_url. */
  async function clickAndAnswer(who: Person, message: FakeSlackMessage, actionId: string, on?: TestService, shown?: FakeSlackMessageVersion): Promise<FakeSlackResponse> {
    const { answer, responseUrl } = await click(who, message, actionId, { on, shown });
    expect(answer).toEqual({ status: 200, text: '', elapsedMs: expect.any(Number) });
    expect(answer.elapsedMs).toBeLessThan(ACK_DEADLINE_MS);
    return responseAt(responseUrl);
  }

  /** `/oncall <text>` in `channel` as `who`; the answer Slack gets at the response_url. */
  async function command(who: Person, channel: FakeSlackChannel, text: string): Promise<FakeSlackResponse> {
    const responseUrl = fake.state.newResponseUrl({ kind: 'command', channel: channel.id, user: who.user.id });
    const body = slashCommandBody(workspace, { text, user: who.user, channel, responseUrl });
    const answer = await send(signedRequest(signingSecret, body, FORM_CONTENT_TYPE));
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('');
    expect(answer.elapsedMs).toBeLessThan(ACK_DEADLINE_MS);
    return responseAt(responseUrl);
  }

  /** An Events API callback, signed; `retryNum` makes it a retry as Slack sends one. */
  function deliverEvent(envelope: object, retryNum?: number): Promise<SlackAnswer> {
    return send(signedRequest(signingSecret, JSON.stringify(envelope), 'application/json', { retryNum }));
  }

  /** A two-level escalation rule on the channel (one person per level, long waits: only Escalate moves it on). */
  async function escalationRule(setup: BoundChannel, people: Person[]): Promise<void> {
    const created = await service.api('POST', `/channels/${setup.channel.id}/escalation-rules`, {
      name: unique('rule'),
      levels: people.map((who) => ({ memberIds: [who.member!.id], waitMinutes: 60 })),
    });
    expect(created.status).toBe(201);
  }

  /** The escalation page for `level` in the channel, @mentioning `who`. */
  const noticeIn = (channelId: string, level: number, who: Person) =>
    waitFor(`the level-${level} page in the channel`, () =>
      botMessagesIn(channelId).find((posted) => posted.text.includes(`Escalation level ${level}:`) && posted.text.includes(`<@${who.user.id}>`)),
    );

  const visible = (response: FakeSlackResponse) => slackVisibleText(String(response.body.text ?? ''), fake.state.users, fake.state.channels);

  describe('incident message and a click', () => {
    it('an alert posts a Block Kit message with exact action ids; Alice (auto-linked by email) acknowledges with a signed click', async () => {
      const alice = await person('Alice');
      const setup = await boundChannel([alice]);
      const { incident, message } = await triggerWithMessage(setup);

      // Posted with the bot token, as a form body, to the bound channel.
      const post = fake.state.requestsTo('chat.postMessage').find((request) => request.args.channel === setup.slack.id)!;
      expect(post.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
      expect(post.contentType).toBe('application/x-www-form-urlencoded');
      expect(post.status).toBe(200);
      expect(message.ts).toMatch(/^\d{10}\.\d{6}$/);
      expect(slackTitle(message)).toBe(incident.title);
      expect(slackStatus(message)).toBe('Triggered');
      expect(message.text).toContain(`#${incident.id}`);
      const buttons = slackButtons(message);
      expect(buttons.filter((button) => button.value !== undefined)).toEqual([
        { actionId: 'oncall:acknowledge', text: 'Acknowledge', value: { action: 'acknowledge', incidentId: incident.id }, style: 'primary' },
        { actionId: 'oncall:close', text: 'Close', value: { action: 'close', incidentId: incident.id }, style: 'danger' },
        { actionId: 'oncall:escalate', text: 'Escalate', value: { action: 'escalate', incidentId: incident.id, step: 0 } },
      ]);
      expect(buttons.find((button) => button.actionId === 'oncall:details')).toEqual({
        actionId: 'oncall:details',
        text: 'Details',
        url: expect.stringMatching(new RegExp(`^http://oncall\\.test/.*${incident.id}`)),
      });
      expect(contentOf(message)).toEqual(await currentMessage(incident.id));

      const answer = await clickAndAnswer(alice, message, 'oncall:acknowledge');
      expect(answer.body).toEqual({ response_type: 'ephemeral', replace_original: false, text: `Acknowledged #${incident.id}` });
      expect(fake.state.ephemeralsFor(alice.user.id, setup.slack.id).map((e) => e.text)).toEqual([`Acknowledged #${incident.id}`]);

      const detail = await incidentDetail(service, incident.id);
      expect(detail.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: alice.member!.id });
      expect(detail.timeline.filter((entry) => entry.kind === 'acknowledged')).toEqual([
        expect.objectContaining({ actorType: 'member', actorId: alice.member!.id, actorName: 'Alice' }),
      ]);
      // Linked automatically: users.info gave Alice's email, which matches the member's.
      expect(fake.state.requestsTo('users.info').filter((request) => request.args.user === alice.user.id).length).toBeGreaterThanOrEqual(1);
      const identities = await service.api('GET', `/members/${alice.member!.id}/im-identities`);
      expect(identities.body.items).toEqual([expect.objectContaining({ platform: 'slack', externalId: alice.user.id, linkedBy: 'auto_email' })]);

      // The channel's message itself was updated with chat.update, for everyone.
      await service.services.cards.idle();
      const updated = latest(message);
      expect(updatesOf(message).map((request) => request.status)).toEqual([200]);
      expect(updated.updates).toBe(1);
      expect(slackStatus(updated)).toBe('Acknowledged');
      expect(slackMessageText(updated)).toContain('Acknowledged by Alice');
      expect(contentOf(updated)).toEqual(await currentMessage(incident.id));
      expect(incidentMessagesIn(setup.slack.id)).toHaveLength(1);
      // Acknowledged: no Acknowledge button any more (Slack cannot disable one, as Feishu's card does); Close and
      // Escalate stay, with the values they had.
      expect(slackButtons(updated).map((button) => button.actionId)).toEqual(['oncall:close', 'oncall:escalate', 'oncall:details']);
      expect(slackButtons(updated).filter((button) => button.value !== undefined)).toEqual(
        buttons.filter((button) => button.value !== undefined && button.actionId !== 'oncall:acknowledge'),
      );
    });

    it('a second click (on the message as it was before the update) answers "already acknowledged by Alice" and adds nothing to the timeline', async () => {
      const alice = await person('Alice');
      const setup = await boundChannel([alice]);
      const { incident, message } = await triggerWithMessage(setup);
      const asPosted = message.history[0];

      expect((await clickAndAnswer(alice, message, 'oncall:acknowledge')).body.text).toBe(`Acknowledged #${incident.id}`);
      await service.services.cards.idle();
      expect(slackButtons(latest(message)).map((button) => button.actionId)).not.toContain('oncall:acknowledge');
      const again = await clickAndAnswer(alice, message, 'oncall:acknowledge', undefined, asPosted);
      expect(again.body.response_type).toBe('ephemeral');
      expect(again.body.replace_original).toBe(false);
      expect(visible(again)).toBe(`#${incident.id} is already acknowledged by Alice`);

      const detail = await incidentDetail(service, incident.id);
      expect(kindsOf(detail.timeline)).toEqual(['triggered', 'acknowledged']);
      expect(detail.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: alice.member!.id });
      await service.services.cards.idle();
      expect(updatesOf(message)).toHaveLength(1);
    });

    it('Escalate carries the step the message showed: the click pages the next level and names who is being paged; a stale message pages nobody', async () => {
      const alice = await person('Alice');
      const bob = await person('Bob');
      const setup = await boundChannel([alice, bob]);
      await escalationRule(setup, [alice, bob]);
      const { incident, message } = await triggerWithMessage(setup);
      const escalateValue = (shown: FakeSlackMessage) => slackButtons(shown).find((button) => button.actionId === 'oncall:escalate')?.value;
      const isPage = (level: number) => (dm: FakeSlackMessage) => slackVisibleText(dm.text).includes(`Escalation level ${level}: incident #${incident.id} `);
      await waitFor("Alice's level-1 DM", () => fake.state.dmsTo(alice.user.id).find(isPage(1)));
      // Level 1 paged: the message now shows one step taken, and its button says so.
      await waitFor('the message to show level 1', async () => {
        await service.services.cards.idle();
        return (escalateValue(latest(message)) as { step?: number } | undefined)?.step === 1 ? true : undefined;
      });
      expect(escalateValue(latest(message))).toEqual({ action: 'escalate', incidentId: incident.id, step: 1 });

      const answer = await clickAndAnswer(alice, message, 'oncall:escalate');
      expect(answer.body.response_type).toBe('ephemeral');
      expect(visible(answer)).toBe(`Escalated #${incident.id} to level 2: paging Bob`);
      await waitFor("Bob's level-2 DM", () => fake.state.dmsTo(bob.user.id).find(isPage(2)));
      await noticeIn(setup.slack.id, 2, bob);
      // The message follows: level 2 paged, still triggered.
      await service.services.cards.idle();
      expect(slackMessageText(latest(message))).toContain('level 2/2 paged Bob');
      expect(slackStatus(latest(message))).toBe('Triggered');
      expect(contentOf(latest(message))).toEqual(await currentMessage(incident.id));

      // The same button on a message still showing level 1 (not yet updated for whoever clicks it) escalates nothing.
      const responseUrl = fake.state.newResponseUrl({ kind: 'action', channel: setup.slack.id, user: alice.user.id, messageTs: message.ts });
      const stale = blockActionsPayload(workspace, {
        user: alice.user,
        channel: setup.slack,
        message,
        actionId: 'oncall:escalate',
        responseUrl,
        value: JSON.stringify({ action: 'escalate', incidentId: incident.id, step: 1 }),
      });
      expect((await send(signedRequest(signingSecret, payloadBody(stale), FORM_CONTENT_TYPE))).status).toBe(200);
      expect(visible(await responseAt(responseUrl))).toBe(`Not escalated: incident #${incident.id} was already escalated to level 2 by Alice (paged Bob).`);

      await service.services.escalations.idle();
      const escalated = (await incidentDetail(service, incident.id)).timeline.filter((entry) => entry.kind === 'escalated');
      expect(escalated.map((entry) => [entry.detail.level, entry.actorName])).toEqual([
        [1, 'system'],
        [2, 'Alice'],
      ]);
      expect(fake.state.dmsTo(bob.user.id).filter(isPage(2))).toHaveLength(1);
      expect(fake.state.dmsTo(alice.user.id).filter(isPage(1))).toHaveLength(1);
    });

    it('Close shows the closed message: Reopen instead of Acknowledge / Close / Escalate', async () => {
      const alice = await person('Alice');
      const setup = await boundChannel([alice]);
      const { incident, message } = await triggerWithMessage(setup);

      expect((await clickAndAnswer(alice, message, 'oncall:close')).body.text).toBe(`Closed #${incident.id}`);
      await service.services.cards.idle();
      const closed = latest(message);
      expect(slackStatus(closed)).toBe('Closed');
      expect(slackMessageText(closed)).toContain('Closed by Alice');
      expect(slackButtons(closed).map((button) => button.actionId)).toEqual(['oncall:reopen', 'oncall:details']);
      expect(slackButtons(closed)[0].value).toEqual({ action: 'reopen', incidentId: incident.id });

      expect((await clickAndAnswer(alice, closed, 'oncall:reopen')).body.text).toBe(`Reopened #${incident.id}`);
      await service.services.cards.idle();
      expect(slackStatus(latest(message))).toBe('Triggered');
      expect(slackButtons(latest(message)).map((button) => button.actionId)).toEqual(['oncall:acknowledge', 'oncall:close', 'oncall:escalate', 'oncall:details']);
      expect(kindsOf((await incidentDetail(service, incident.id)).timeline)).toEqual(['triggered', 'closed', 'reopened']);
    });

    it('a button whose value does not match its action id is refused and changes nothing', async () => {
      const alice = await person('Alice');
      const setup = await boundChannel([alice]);
      const { incident, message } = await triggerWithMessage(setup);
      const channel = setup.slack;
      const responseUrl = fake.state.newResponseUrl({ kind: 'action', channel: channel.id, user: alice.user.id, messageTs: message.ts });
      const payload = blockActionsPayload(workspace, {
        user: alice.user,
        channel,
        message,
        actionId: 'oncall:acknowledge',
        responseUrl,
        value: JSON.stringify({ action: 'close', incidentId: incident.id }),
      });
      const answer = await send(signedRequest(signingSecret, payloadBody(payload), FORM_CONTENT_TYPE));
      expect(answer.status).toBe(200);
      expect((await responseAt(responseUrl)).body.text).toMatch(/not one of ours|malformed/);
      expect(kindsOf((await incidentDetail(service, incident.id)).timeline)).toEqual(['triggered']);
    });
  });

  describe('linking an unknown Slack user with a link code', () => {
    it('an unlinked click gets an ephemeral prompt and a DM with a code; redeeming it links the user and carries out the click', async () => {
      const bob = await person('Bob', { member: false });
      const setup = await boundChannel([bob]);
      const { incident, message } = await triggerWithMessage(setup);

      const answer = await clickAndAnswer(bob, message, 'oncall:close');
      expect(answer.body.response_type).toBe('ephemeral');
      expect(visible(answer)).toMatch(/not linked to an on-call member yet, so nothing changed/);
      let detail = await incidentDetail(service, incident.id);
      expect(detail.incident.status).toBe('triggered');
      expect(kindsOf(detail.timeline)).toEqual(['triggered']);

      // The DM went to Bob's user id, which Slack turns into the app's DM with him.
      const dm = await waitFor('the link-code DM', () => fake.state.dmsTo(bob.user.id)[0]);
      const sends = fake.state.requestsTo('chat.postMessage').filter((request) => request.args.channel === bob.user.id);
      expect(sends.map((request) => request.status)).toEqual([200]);
      const dmText = slackVisibleText(dm.text);
      const code = /link code is ([A-Z0-9]{8})\b/.exec(dmText)?.[1];
      expect(code).toBeDefined();
      expect(dmText).toContain(`/api/v1/link-codes/${code}/redeem`);
      expect(dmText).toContain(`"close" on incident #${incident.id}`);

      const bobMember = await createMember(service, 'Bob Builder');
      const redeemed = await service.api('POST', `/link-codes/${code}/redeem`, { memberId: bobMember.id });
      expect(redeemed.status).toBe(200);
      expect(redeemed.body).toEqual({ member: expect.objectContaining({ id: bobMember.id, name: 'Bob Builder' }), carriedOut: `Closed #${incident.id}` });

      detail = await incidentDetail(service, incident.id);
      expect(detail.incident).toMatchObject({ status: 'closed', closedBy: bobMember.id });
      expect(detail.timeline.filter((entry) => entry.kind === 'closed')).toEqual([
        expect.objectContaining({ actorType: 'member', actorId: bobMember.id, actorName: 'Bob Builder' }),
      ]);
      const identities = await service.api('GET', `/members/${bobMember.id}/im-identities`);
      expect(identities.body.items).toEqual([expect.objectContaining({ platform: 'slack', externalId: bob.user.id, linkedBy: 'link_code' })]);

      const confirmation = await waitFor('the confirmation DM', () => fake.state.dmsTo(bob.user.id)[1]);
      expect(slackVisibleText(confirmation.text)).toBe(`You are now linked to on-call member Bob Builder.\nClosed #${incident.id}`);

      await service.services.cards.idle();
      expect(slackStatus(latest(message))).toBe('Closed');
      expect(contentOf(latest(message))).toEqual(await currentMessage(incident.id));

      // Single use; and now Bob's clicks act as Bob Builder.
      expect((await service.api('POST', `/link-codes/${code}/redeem`, { memberId: bobMember.id })).status).toBe(404);
      expect((await clickAndAnswer(bob, latest(message), 'oncall:reopen')).body.text).toBe(`Reopened #${incident.id}`);
    });

    it('without users:read.email nobody is linked by email: the click prompts to link', async () => {
      const carol = await person('Carol');
      const setup = await boundChannel([carol]);
      const { incident, message } = await triggerWithMessage(setup);
      fake.state.removeScopes('users:read.email');
      try {
        const answer = await clickAndAnswer(carol, message, 'oncall:acknowledge');
        expect(visible(answer)).toMatch(/not linked/);
      } finally {
        fake.state.grantScopes('users:read.email');
      }
      expect((await incidentDetail(service, incident.id)).incident.status).toBe('triggered');
      expect((await service.api('GET', `/members/${carol.member!.id}/im-identities`)).body.items).toEqual([]);
      await waitFor('the link-code DM', () => fake.state.dmsTo(carol.user.id)[0]);
    });
  });

  describe('request verification', () => {
    it('a forged signature, a changed body or a stale timestamp (> 5 min) is refused with 401 and changes nothing', async () => {
      const alice = await person('Alice');
      const setup = await boundChannel([alice]);
      const { incident, message } = await triggerWithMessage(setup);
      const usersInfoBefore = fake.state.requestsTo('users.info').length;

      const forged = await click(alice, message, 'oncall:close', {
        tamper: (request) => {
          const signature = request.headers['x-slack-signature'];
          request.headers['x-slack-signature'] = signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0');
        },
      });
      const wrongSecret = await click(alice, message, 'oncall:close', { secret: randomHex(16) });
      const unsigned = await click(alice, message, 'oncall:close', {
        tamper: (request) => {
          delete request.headers['x-slack-signature'];
          delete request.headers['x-slack-request-timestamp'];
        },
      });
      const swapped = await click(alice, message, 'oncall:close', {
        tamper: (request) => {
          request.body = request.body.replace(/close/g, 'acknowledge');
        },
      });
      // Correctly signed, but six minutes old.
      const stale = await click(alice, message, 'oncall:close', { sign: { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 } });

      for (const refused of [forged, wrongSecret, unsigned, swapped, stale]) {
        expect(refused.answer.status).toBe(401);
        expect(refused.answer.elapsedMs).toBeLessThan(ACK_DEADLINE_MS);
      }
      // A stale or forged slash command too.
      const commandUrl = fake.state.newResponseUrl({ kind: 'command', channel: setup.slack.id, user: alice.user.id });
      const staleCommand = signedRequest(signingSecret, slashCommandBody(workspace, { text: `close ${incident.id}`, user: alice.user, channel: setup.slack, responseUrl: commandUrl }), FORM_CONTENT_TYPE, {
        timestamp: Math.floor(Date.now() / 1000) - 301,
      });
      expect((await send(staleCommand)).status).toBe(401);

      await sleep(300);
      for (const url of [forged, wrongSecret, unsigned, swapped, stale].map((refused) => refused.responseUrl).concat(commandUrl)) {
        expect(fake.state.responsesTo(url)).toEqual([]);
      }
      let detail = await incidentDetail(service, incident.id);
      expect(detail.incident.status).toBe('triggered');
      expect(kindsOf(detail.timeline)).toEqual(['triggered']);
      expect(fake.state.requestsTo('users.info')).toHaveLength(usersInfoBefore);
      await service.services.cards.idle();
      expect(updatesOf(message)).toEqual([]);

      // A fresh, genuine request still works.
      expect((await clickAndAnswer(alice, message, 'oncall:close')).body.text).toBe(`Closed #${incident.id}`);
      detail = await incidentDetail(service, incident.id);
      expect(detail.incident.status).toBe('closed');
      await service.services.cards.idle();
    });
  });

  describe('requests dated ahead of our clock', () => {
    it('a correctly signed click or command dated 10 minutes ahead is refused with 401 and changes nothing; 1 minute ahead is handled', async () => {
      const alice = await person('Alice');
      const setup = await boundChannel([alice]);
      const { incident, message } = await triggerWithMessage(setup);
      const inMinutes = (minutes: number) => ({ timestamp: Math.floor(Date.now() / 1000) + minutes * 60 });

      const ahead = await click(alice, message, 'oncall:close', { sign: inMinutes(10) });
      expect(ahead.answer.status).toBe(401);
      expect(ahead.answer.elapsedMs).toBeLessThan(ACK_DEADLINE_MS);
      const commandUrl = fake.state.newResponseUrl({ kind: 'command', channel: setup.slack.id, user: alice.user.id });
      const command = slashCommandBody(workspace, { text: `close ${incident.id}`, user: alice.user, channel: setup.slack, responseUrl: commandUrl });
      expect((await send(signedRequest(signingSecret, command, FORM_CONTENT_TYPE, inMinutes(10)))).status).toBe(401);
      await sleep(300);
      expect(fake.state.responsesTo(ahead.responseUrl)).toEqual([]);
      expect(fake.state.responsesTo(commandUrl)).toEqual([]);
      expect(kindsOf((await incidentDetail(service, incident.id)).timeline)).toEqual(['triggered']);

      const skewed = await click(alice, message, 'oncall:acknowledge', { sign: inMinutes(1) });
      expect(skewed.answer).toEqual({ status: 200, text: '', elapsedMs: expect.any(Number) });
      expect((await responseAt(skewed.responseUrl)).body.text).toBe(`Acknowledged #${incident.id}`);
      expect((await incidentDetail(service, incident.id)).incident.status).toBe('acknowledged');
      await service.services.cards.idle();
    });
  });

  describe('events', () => {
    it('the request URL check (url_verification) is answered with the challenge; unsigned, it is refused', async () => {
      const challenge = `challenge-${randomHex(8)}`;
      const check = JSON.stringify({ token: workspace.verificationToken, challenge, type: 'url_verification' });
      const answer = await send(signedRequest(signingSecret, check, 'application/json'));
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({ challenge });
      const forged = await send(signedRequest(randomHex(16), check, 'application/json'));
      expect(forged.status).toBe(401);
      expect(forged.text).not.toContain(challenge);
    });

    it('the bot joining a channel is greeted once, even when Slack retries the event (same event_id, x-slack-retry-num)', async () => {
      const alice = await person('Alice');
      const room = fake.state.addChannel({ name: unique('new-room'), botIsMember: false, members: [alice.user.id] });
      room.botIsMember = true; // Alice invited the bot
      const joined = eventCallback(workspace, {
        botUserId,
        event: { type: 'member_joined_channel', user: botUserId, channel: room.id, channel_type: 'C', team: workspace.teamId, inviter: alice.user.id },
      });

      const first = await deliverEvent(joined);
      expect(first.status).toBe(200);
      expect(first.elapsedMs).toBeLessThan(ACK_DEADLINE_MS);
      const welcome = await waitFor('the welcome message', () => botMessagesIn(room.id)[0]);
      expect(slackVisibleText(welcome.text)).toContain('`/oncall bind <channel>`');
      expect(slackVisibleText(welcome.text)).toContain('`/oncall help`');

      const retried = await deliverEvent(joined, 1);
      expect(retried.status).toBe(200);
      const retriedAgain = await deliverEvent(joined, 2);
      expect(retriedAgain.status).toBe(200);
      // Events are acknowledged before they are handled, and the app paces posts to a channel at 1/s: a second
      // welcome would show up within a second of the first. Wait past that.
      const firstPost = fake.state.requestsTo('chat.postMessage').find((request) => request.args.channel === room.id)!;
      await sleep(Math.max(0, firstPost.at + 1500 - Date.now()));
      expect(botMessagesIn(room.id)).toHaveLength(1);
      expect(fake.state.requestsTo('chat.postMessage').filter((request) => request.args.channel === room.id)).toHaveLength(1);

      // Someone else joining is not greeted.
      const dave = fake.state.addUser({ name: 'dave' });
      const other = eventCallback(workspace, { botUserId, event: { type: 'member_joined_channel', user: dave.id, channel: room.id, channel_type: 'C', team: workspace.teamId } });
      expect((await deliverEvent(other)).status).toBe(200);
      await sleep(300);
      expect(botMessagesIn(room.id)).toHaveLength(1);
    });

    it('channel_left (and member_left_channel for the bot) unbinds the channel; its next incidents are not posted there', async () => {
      const setup = await boundChannel();
      expect(await bindingsOf(setup.slack.id)).toHaveLength(1);
      const left = eventCallback(workspace, { botUserId, event: { type: 'channel_left', channel: setup.slack.id, actor_id: fake.state.addUser({ name: 'erin' }).id } });
      expect((await deliverEvent(left)).status).toBe(200);
      await waitFor('the binding to go', async () => ((await bindingsOf(setup.slack.id)).length === 0 ? true : undefined));
      setup.slack.botIsMember = false;
      await sendAlert(service, setup.integration.path, 'after the bot left');
      await service.services.cards.idle();
      expect(fake.state.requestsTo('chat.postMessage').filter((request) => request.args.channel === setup.slack.id)).toEqual([]);

      // Removed by someone: member_left_channel for the bot unbinds; for anyone else it does not.
      const kept = await boundChannel();
      const removed = await boundChannel();
      const frank = fake.state.addUser({ name: 'frank' });
      const someoneLeft = eventCallback(workspace, { botUserId, event: { type: 'member_left_channel', user: frank.id, channel: kept.slack.id, channel_type: 'C', team: workspace.teamId } });
      const botRemoved = eventCallback(workspace, { botUserId, event: { type: 'member_left_channel', user: botUserId, channel: removed.slack.id, channel_type: 'C', team: workspace.teamId } });
      expect((await deliverEvent(someoneLeft)).status).toBe(200);
      expect((await deliverEvent(botRemoved)).status).toBe(200);
      await waitFor('the removed binding to go', async () => ((await bindingsOf(removed.slack.id)).length === 0 ? true : undefined));
      expect(await bindingsOf(kept.slack.id)).toHaveLength(1);

      // A private channel the bot left: group_left.
      const privateRoom = await boundChannel();
      const leftPrivate = eventCallback(workspace, { botUserId, event: { type: 'group_left', channel: privateRoom.slack.id, actor_id: frank.id } });
      expect((await deliverEvent(leftPrivate)).status).toBe(200);
      await waitFor('the private binding to go', async () => ((await bindingsOf(privateRoom.slack.id)).length === 0 ? true : undefined));
      expect(await bindingsOf(kept.slack.id)).toHaveLength(1);
    });
  });

  describe('/oncall', () => {
    it('help, list, ack <id>, usage for malformed and unknown commands — all answered only to the caller', async () => {
      const alice = await person('Alice');
      const setup = await boundChannel([alice]);
      const { incident, message } = await triggerWithMessage(setup);

      const help = await command(alice, setup.slack, 'help');
      expect(help.body.response_type).toBe('ephemeral');
      expect(visible(help)).toMatch(/^Commands:\n/);
      expect(visible(help)).toContain('ack <id> — acknowledge an incident');
      expect(visible(help)).toContain('bind <channel> — bind this group chat to a channel');

      const list = await command(alice, setup.slack, 'list');
      expect(list.body.response_type).toBe('ephemeral');
      expect(visible(list)).toBe(`Open incidents:\n#${incident.id} [triggered] ${incident.title}`);

      const malformed = await command(alice, setup.slack, 'ack abc');
      expect(malformed.body.response_type).toBe('ephemeral');
      expect(visible(malformed)).toContain('usage: ack <incident id>, e.g. ack 42');
      const unknown = await command(alice, setup.slack, 'frobnicate');
      expect(unknown.body.response_type).toBe('ephemeral');
      expect(visible(unknown)).toContain('unknown command "frobnicate"');
      expect(visible(unknown)).toContain('list — open incidents');
      expect(kindsOf((await incidentDetail(service, incident.id)).timeline)).toEqual(['triggered']);

      const ack = await command(alice, setup.slack, `ack ${incident.id}`);
      expect(ack.body.response_type).toBe('ephemeral');
      expect(visible(ack)).toBe(`Acknowledged #${incident.id}`);
      const detail = await incidentDetail(service, incident.id);
      expect(detail.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: alice.member!.id });
      expect(detail.timeline.filter((entry) => entry.kind === 'acknowledged')).toHaveLength(1);
      expect(visible(await command(alice, setup.slack, `ack #${incident.id}`))).toBe(`#${incident.id} is already acknowledged by Alice`);
      expect(visible(await command(alice, setup.slack, 'list'))).toBe(`Open incidents:\n#${incident.id} [acknowledged] ${incident.title}`);

      // In the app's DM, list shows open incidents of every channel.
      const dm = fake.state.addChannel({ name: 'alice-dm', isIm: true, imUser: alice.user.id, members: [alice.user.id] });
      expect(visible(await command(alice, dm, 'list'))).toContain(`#${incident.id} [acknowledged] ${incident.title}`);

      // Nothing the commands answered was posted in the channel for everyone.
      expect(botMessagesIn(setup.slack.id)).toHaveLength(1);
      await service.services.cards.idle();
      expect(slackStatus(latest(message))).toBe('Acknowledged');
    });

    it('whoami tells a linked user who they act as, and an unlinked one that they are not linked', async () => {
      const alice = await person('Alice');
      const mallory = await person('Mallory', { member: false });
      const setup = await boundChannel([alice, mallory]);

      const me = await command(alice, setup.slack, 'whoami');
      expect(me.body.response_type).toBe('ephemeral');
      expect(visible(me)).toBe(`You act as Alice <${alice.email}> (member ${alice.member!.id}).`);
      const stranger = await command(mallory, setup.slack, 'whoami');
      expect(stranger.body.response_type).toBe('ephemeral');
      expect(visible(stranger)).toMatch(/not linked/);
    });

    it('bind <channel> answers in the channel for everyone; an unlinked user is refused; the new binding shows the next incident', async () => {
      const alice = await person('Alice');
      const mallory = await person('Mallory', { member: false });
      const channel = await createChannel(service, `Payments SRE ${randomHex(3)}`);
      const room = fake.state.addChannel({ name: unique('payments-war-room'), members: [alice.user.id, mallory.user.id] });

      // The refusal is for the caller only; only a successful bind is announced to the channel.
      const refused = await command(mallory, room, `bind ${channel.name}`);
      expect(refused.body.response_type).toBe('ephemeral');
      expect(visible(refused)).toMatch(/Only linked on-call members can bind/);
      expect(await bindingsOf(room.id)).toEqual([]);
      expect(fake.state.messagesIn(room.id)).toEqual([]);

      const bound = await command(alice, room, `bind ${channel.name}`);
      expect(bound.body.response_type).toBe('in_channel');
      expect(visible(bound)).toBe(`This chat now shows incidents of channel "${channel.name}".`);
      expect(slackVisibleText(fake.state.messagesIn(room.id).at(-1)!.text)).toBe(`This chat now shows incidents of channel "${channel.name}".`);
      expect(await bindingsOf(room.id)).toEqual([expect.objectContaining({ platform: 'slack', chatId: room.id, channelId: channel.id, chatName: room.name })]);

      const integration = await createIntegration(service, { channelId: channel.id });
      expect(await service.post(integration.path, postMessage('Payment gateway 5xx', 'error rate 12%'))).toEqual({ status: 200, body: FEISHU_SUCCESS });
      await service.services.cards.idle();
      expect(incidentMessagesIn(room.id).map((message) => slackTitle(message))).toEqual(['Payment gateway 5xx']);
    });

    it('escalate <id>, close <id> and reopen <id> act as the caller, answer only them, and the channel message follows', async () => {
      const alice = await person('Alice');
      const bob = await person('Bob');
      const setup = await boundChannel([alice, bob]);
      await escalationRule(setup, [alice, bob]);
      const { incident, message } = await triggerWithMessage(setup);
      await noticeIn(setup.slack.id, 1, alice);

      const escalated = await command(alice, setup.slack, `escalate ${incident.id}`);
      expect(escalated.body.response_type).toBe('ephemeral');
      expect(visible(escalated)).toBe(`Escalated #${incident.id} to level 2: paging Bob`);
      const page = await noticeIn(setup.slack.id, 2, bob);
      expect(page.text).toContain(`#${incident.id}`);
      await waitFor('the level-2 DM to Bob', () => fake.state.dmsTo(bob.user.id).find((dm) => /Escalation level 2/.test(dm.text)));
      await service.services.cards.idle();
      expect(slackMessageText(latest(message))).toContain('level 2/2 paged Bob');

      const closed = await command(alice, setup.slack, `close ${incident.id}`);
      expect(closed.body.response_type).toBe('ephemeral');
      expect(visible(closed)).toBe(`Closed #${incident.id}`);
      expect((await incidentDetail(service, incident.id)).incident).toMatchObject({ status: 'closed', closedBy: alice.member!.id });
      await service.services.cards.idle();
      expect(slackStatus(latest(message))).toBe('Closed');
      expect(visible(await command(bob, setup.slack, `close ${incident.id}`))).toBe(`#${incident.id} is already closed by Alice`);

      const reopened = await command(bob, setup.slack, `reopen ${incident.id}`);
      expect(reopened.body.response_type).toBe('ephemeral');
      expect(visible(reopened)).toBe(`Reopened #${incident.id}`);
      await service.services.cards.idle();
      expect(slackStatus(latest(message))).toBe('Triggered');
      expect(contentOf(latest(message))).toEqual(await currentMessage(incident.id));
      const detail = await incidentDetail(service, incident.id);
      expect(detail.incident.status).toBe('triggered');
      expect(detail.timeline.filter((entry) => entry.kind === 'reopened')).toEqual([expect.objectContaining({ actorId: bob.member!.id, actorName: 'Bob' })]);

      expect(visible(await command(alice, setup.slack, 'close 999999'))).toBe('Incident #999999 does not exist');
      expect(visible(await command(alice, setup.slack, 'escalate 999999'))).toBe('Incident #999999 does not exist');
      // Posted for everyone: the incident message and the escalation pages, none of the answers.
      const others = botMessagesIn(setup.slack.id).filter((posted) => posted.attachments === undefined);
      expect(others.length).toBeGreaterThanOrEqual(2);
      expect(others.every((posted) => /Escalation level \d/.test(posted.text))).toBe(true);
    });

    it('link answers the caller only (ephemeral) with a one-time code, and sends no DM; redeeming it links them', async () => {
      const alice = await person('Alice');
      const dan = await person('Dan', { member: false });
      const setup = await boundChannel([alice, dan]);

      const answer = await command(dan, setup.slack, 'link');
      expect(answer.body.response_type).toBe('ephemeral');
      const text = visible(answer);
      const code = /^Your link code is ([A-Z0-9]{8}) \(valid for 30 minutes\)\./.exec(text)?.[1];
      expect(code).toBeDefined();
      expect(text).toContain(`POST /api/v1/link-codes/${code}/redeem`);
      expect(fake.state.ephemeralsFor(dan.user.id, setup.slack.id).map((shown) => shown.text)).toEqual([answer.body.text]);
      expect(fake.state.dmsTo(dan.user.id)).toEqual([]);
      expect(botMessagesIn(setup.slack.id)).toEqual([]);

      const danMember = await createMember(service, 'Dan Dispatcher');
      const redeemed = await service.api('POST', `/link-codes/${code}/redeem`, { memberId: danMember.id });
      expect(redeemed).toEqual({ status: 200, body: { member: expect.objectContaining({ id: danMember.id }), carriedOut: null } });
      const confirmation = await waitFor('the confirmation DM', () => fake.state.dmsTo(dan.user.id)[0]);
      expect(slackVisibleText(confirmation.text)).toBe('You are now linked to on-call member Dan Dispatcher.');
      expect(visible(await command(dan, setup.slack, 'whoami'))).toBe(`You act as Dan Dispatcher (member ${danMember.id}).`);
      expect(visible(await command(dan, setup.slack, 'link'))).toBe('You are already linked to Dan Dispatcher.');
      expect(visible(await command(alice, setup.slack, 'link'))).toBe('You are already linked to Alice.');
    });

    it('a command that fails inside (the database refuses) is still answered, privately: "Something went wrong…"', async () => {
      const erin = await person('Erin', { member: false });
      const setup = await boundChannel([erin]);
      // `link` for an unlinked user stores a link code: without its table, the command throws inside the service.
      await service.db.manager.query('ALTER TABLE link_codes RENAME TO link_codes_away');
      let answer: FakeSlackResponse;
      try {
        answer = await command(erin, setup.slack, 'link');
      } finally {
        await service.db.manager.query('ALTER TABLE link_codes_away RENAME TO link_codes');
      }
      expect(answer.body.response_type).toBe('ephemeral');
      expect(visible(answer)).toMatch(/^Something went wrong while handling that command\. Please try again/);
      expect(botMessagesIn(setup.slack.id)).toEqual([]);
      // Once the database is fine again, so is the command.
      expect(visible(await command(erin, setup.slack, 'link'))).toMatch(/^Your link code is [A-Z0-9]{8}/);
    });

    it('a click that fails inside is answered privately too, and changes nothing', async () => {
      const erin = await person('Erin', { member: false });
      const setup = await boundChannel([erin]);
      const { incident, message } = await triggerWithMessage(setup);
      // An unlinked user's click stores a link code: without its table, the click throws inside the service.
      await service.db.manager.query('ALTER TABLE link_codes RENAME TO link_codes_away');
      let answer: FakeSlackResponse;
      try {
        answer = await clickAndAnswer(erin, message, 'oncall:acknowledge');
      } finally {
        await service.db.manager.query('ALTER TABLE link_codes_away RENAME TO link_codes');
      }
      expect(answer.body).toEqual({ response_type: 'ephemeral', replace_original: false, text: expect.stringMatching(/^Something went wrong while handling that click\. Please try again/) });
      expect((await incidentDetail(service, incident.id)).incident.status).toBe('triggered');
    });
  });

  describe('keeping the message current', () => {
    it('a chat.update answered message_not_found (the message was deleted) posts a fresh message, which later changes update', async () => {
      const alice = await person('Alice');
      const setup = await boundChannel([alice]);
      const { incident, message } = await triggerWithMessage(setup);
      message.deleted = true; // someone deleted it in Slack

      expect((await service.api('POST', `/incidents/${incident.id}/acknowledge`, { memberId: alice.member!.id })).status).toBe(200);
      await service.services.cards.idle();
      expect(updatesOf(message).map((request) => [request.status, request.error])).toEqual([[200, 'message_not_found']]);
      const [fresh] = incidentMessagesIn(setup.slack.id);
      expect(fresh.ts).not.toBe(message.ts);
      expect(slackStatus(fresh)).toBe('Acknowledged');
      expect(contentOf(fresh)).toEqual(await currentMessage(incident.id));
      const stored = await service.db.manager.findBy(ChatMessageEntity, { incidentId: incident.id, platform: 'slack' });
      expect(stored.map((row) => [row.chatId, row.messageId])).toEqual([[setup.slack.id, fresh.ts]]);

      // The next change goes to the fresh message, with no more posts.
      expect((await clickAndAnswer(alice, fresh, 'oncall:close')).body.text).toBe(`Closed #${incident.id}`);
      await service.services.cards.idle();
      expect(updatesOf(fresh).map((request) => request.status)).toEqual([200]);
      expect(slackStatus(latest(fresh))).toBe('Closed');
      expect(updatesOf(message)).toHaveLength(1);
      expect(incidentMessagesIn(setup.slack.id)).toHaveLength(1);
    });

    it('an alert storm onto one incident (30 alerts, push mode by_title) costs a few chat.update calls, and the message ends up current', async () => {
      const setup = await boundChannel([], service, { pushMode: 'by_title' });
      const { incident, message } = await triggerWithMessage(setup);
      const text = incident.description;
      const storm = Array.from({ length: 30 }, () => sendAlert(service, setup.integration.path, text));
      await Promise.all(storm);
      expect(await incidentsOfChannel(service, setup.channel.id)).toHaveLength(1);
      await service.services.cards.idle();

      const view = await service.services.views.build(incident.id);
      expect(view.alertCount).toBe(31);
      const updates = updatesOf(message);
      expect(updates.every((request) => request.status === 200)).toBe(true);
      expect(updates.length).toBeGreaterThanOrEqual(1);
      expect(updates.length).toBeLessThanOrEqual(5);
      expect(contentOf(latest(message))).toEqual(renderSlackIncidentMessage(view));
      expect(incidentMessagesIn(setup.slack.id)).toHaveLength(1);
      process.stdout.write(`[slack storm ${kind}] 30 alerts onto #${incident.id}: ${updates.length} chat.update calls\n`);
    });
  });

  describe('rate limits', () => {
    it('service_unavailable from chat.update is retried, and the message still ends up updated', async () => {
      const setup = await boundChannel();
      const { incident, message } = await triggerWithMessage(setup);
      fake.state.failNext('chat.update', 'service_unavailable', { match: (args) => args.ts === message.ts });
      expect((await service.api('POST', `/incidents/${incident.id}/acknowledge`, {})).status).toBe(200);
      await service.services.cards.idle();
      await waitFor('the message to show the acknowledgement', () => (slackStatus(latest(message)) === 'Acknowledged' ? true : undefined));
      expect(updatesOf(message).map((request) => request.error ?? 'ok')).toEqual(['service_unavailable', 'ok']);
    });

    it('a 429 with Retry-After on chat.update is waited out and the message still ends up updated; another channel is not delayed by it', async () => {
      const slow = await boundChannel();
      const other = await boundChannel();
      const { incident, message } = await triggerWithMessage(slow);
      fake.state.rateLimitNext('chat.update', 2, { match: (args) => args.ts === message.ts });

      expect((await service.api('POST', `/incidents/${incident.id}/acknowledge`, {})).status).toBe(200);
      const throttled = await waitFor('the throttled chat.update', () => updatesOf(message).find((request) => request.status === 429));
      expect(throttled.retryAfter).toBe(2);

      // While that update waits, an alert for another channel is posted right away.
      const sentAt = Date.now();
      await sendAlert(service, other.integration.path, 'Unrelated outage');
      const otherPost = await waitFor('the other channel’s message', () =>
        fake.state.requestsTo('chat.postMessage').find((request) => request.args.channel === other.slack.id && request.status === 200),
      );
      expect(otherPost.at - sentAt).toBeLessThan(1000);

      await service.services.cards.idle();
      const updates = updatesOf(message);
      expect(updates.map((request) => request.status)).toEqual([429, 200]);
      expect(updates[1].at - updates[0].at).toBeGreaterThanOrEqual(1950);
      expect(otherPost.at).toBeLessThan(updates[1].at);
      expect(slackStatus(latest(message))).toBe('Acknowledged');
      expect(contentOf(latest(message))).toEqual(await currentMessage(incident.id));
      expect(incidentMessagesIn(slow.slack.id)).toHaveLength(1);
      expect(fake.state.injectFailures).toEqual([]);
    });

    it('alerts for one channel in a burst stay within Slack’s posting limit (no 429 from the fake)', async () => {
      const setup = await boundChannel();
      const since = Date.now();
      // One more than the fake's burst allowance: without pacing the last one would get a 429.
      const count = fake.state.postingLimit.burst + 1;
      for (let i = 0; i < count; i++) await sendAlert(service, setup.integration.path, `Distinct outage ${i} ${randomHex(2)}`);
      await service.services.cards.idle();
      const posts = fake.state.requestsTo('chat.postMessage').filter((request) => request.args.channel === setup.slack.id && request.at >= since);
      expect(posts.map((request) => request.status)).toEqual(Array(count).fill(200));
      expect(incidentMessagesIn(setup.slack.id)).toHaveLength(count);
    });
  });

  describe('one incident in a Feishu chat and a Slack channel', () => {
    let feishu: FakeFeishu;
    let both: TestService;
    let secrets: FeishuAppSecrets;

    beforeAll(async () => {
      feishu = await startFakeFeishu({ apps: {} });
      const app = feishu.state.newApp();
      secrets = { ...app, verificationToken: `vt_${randomHex(12)}`, encryptKey: `ek_${randomHex(16)}` };
      both = await startTestService(kind, 'slack_feishu_sync', {
        ...slackOverrides(),
        feishu: { ...secrets, domain: feishu.url, connection: 'webhook' },
        ...(kind === 'mariadb' ? { redisUrl: REDIS_TEST_URL } : {}),
      });
    });
    afterAll(async () => {
      await both?.stop();
      await feishu?.close();
    });

    /** Alice on both platforms with one email, and the member with that email; a channel bound on both. */
    async function setupBoth() {
      const alice = await person('Alice', { on: both });
      const feishuAlice = feishu.state.addUser({ name: 'Alice', email: alice.email });
      const setup = await boundChannel([alice], both);
      const chat = feishu.state.addChat({ name: `${setup.channel.name} room`, memberOpenIds: [feishuAlice.open_id] });
      expect((await both.api('POST', '/chat-bindings', { platform: 'feishu', chatId: chat.chatId, channelId: setup.channel.id })).status).toBe(201);
      return { alice, feishuAlice, setup, chatId: chat.chatId };
    }

    it('acknowledging on Slack updates the Feishu card, and a click on the Feishu card updates the Slack message', async () => {
      const { alice, feishuAlice, setup, chatId } = await setupBoth();

      // Incident 1: acknowledged on Slack.
      const first = await triggerWithMessage(setup, both);
      const firstCard = feishu.state.cardsInChat(chatId).at(-1)!;
      expect(cardStatus(firstCard.content)).toBe('Triggered');
      expect((await clickAndAnswer(alice, first.message, 'oncall:acknowledge', both)).body.text).toBe(`Acknowledged #${first.incident.id}`);
      await both.services.cards.idle();
      const patched = feishu.state.messages.get(firstCard.messageId)!;
      expect(patched.updates).toBe(1);
      expect(cardStatus(patched.content)).toBe('Acknowledged');
      expect(cardText(patched.content)).toContain('Acknowledged by **Alice**');
      expect(patched.content).toEqual(renderFeishuIncidentCard(await both.services.views.build(first.incident.id)));
      expect(slackStatus(latest(first.message))).toBe('Acknowledged');

      // Incident 2: acknowledged on Feishu.
      const second = await triggerWithMessage(setup, both);
      const secondCard = feishu.state.cardsInChat(chatId).at(-1)!;
      expect(secondCard.messageId).not.toBe(firstCard.messageId);
      const feishuClick = cardActionEvent({
        operatorOpenId: feishuAlice.open_id,
        value: { action: 'acknowledge', incidentId: second.incident.id },
        openMessageId: secondCard.messageId,
        openChatId: chatId,
        appId: secrets.appId,
        tenantKey: feishu.state.tenantKey,
        token: secrets.verificationToken,
      });
      const answer = await postCallback(both, secrets, feishuClick);
      expect(answer.status).toBe(200);
      expect(answer.body.toast).toEqual({ type: 'success', content: `Acknowledged #${second.incident.id}` });
      await both.services.cards.idle();
      const updated = latest(second.message);
      expect(updatesOf(second.message).map((request) => request.status)).toEqual([200]);
      expect(slackStatus(updated)).toBe('Acknowledged');
      expect(slackMessageText(updated)).toContain('Acknowledged by Alice');
      expect(contentOf(updated)).toEqual(await currentMessage(second.incident.id, both));

      // One member acted on both platforms: Alice is linked once on each.
      const identities = (await both.api('GET', `/members/${alice.member!.id}/im-identities`)).body.items as any[];
      expect(identities.map((identity) => [identity.platform, identity.externalId]).sort()).toEqual(
        [
          ['feishu', feishuAlice.open_id],
          ['slack', alice.user.id],
        ].sort(),
      );
    });
  });
});
