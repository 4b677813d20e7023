/**
 * The Slack app end to end, through real HTTP, for what is Slack's own: the Block Kit message and how it changes,
 * answers at the response_url (ephemeral unless a whole channel should see them), request signing, Events API events,
 * failures inside the service, Slack's rate limits, and one incident shown on Slack and Feishu at once. What every IM
 * app must do (cards, clicks, linking, commands, escalation, reposts, storms, the bot joining and leaving) is the
 * chat-app contract, test/contracts/. The SQLite suite dedupes events on the database, the MariaDB one on Redis.
 */
import { renderFeishuIncidentCard } from '../../../src/platforms/feishu/feishu-card.renderer.js';
import { renderSlackIncidentMessage } from '../../../src/platforms/slack/slack-message.renderer.js';
import { cardActionEvent } from '../../fakes/feishu-callbacks.js';
import { startFakeFeishu, type FakeFeishu } from '../../fakes/feishu-open-api.js';
import { slackVisibleText, type FakeSlack, type FakeSlackMessage, type FakeSlackResponse } from '../../fakes/slack-web-api.js';
import { createChannel } from '../../support/admin-helpers.js';
import { DATABASE_KINDS, REDIS_TEST_URL } from '../../support/databases.js';
import { cardStatus, cardText, postCallback, randomHex, waitFor, type FeishuAppSecrets } from '../../support/feishu-app-helpers.js';
import { incidentDetail } from '../../support/feishu-helpers.js';
import { slackButtons, slackMessageText, slackStatus, slackTitle } from '../../support/slack-app-helpers.js';
import { ACK_DEADLINE_MS, BOT_TOKEN, SlackAppWorld } from '../../support/slack-app-world.js';
import { FORM_CONTENT_TYPE, blockActionsPayload, payloadBody, signedRequest, slashCommandBody, type SlackWorkspace } from '../../support/slack-requests.js';
import { startTestService, type TestService } from '../../support/test-service.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const kindsOf = (timeline: any[]) => timeline.map((entry) => entry.kind);

describe.each(DATABASE_KINDS)('Slack app end to end on %s', (kind) => {
  let world: SlackAppWorld;
  let fake: FakeSlack;
  let service: TestService;
  let signingSecret: string;
  let workspace: SlackWorkspace;

  beforeAll(async () => {
    world = await SlackAppWorld.start(kind, 'slack_app_e2e');
    ({ fake, service, signingSecret, workspace } = world);
  });
  afterAll(async () => {
    await world?.stop();
  });
  beforeEach(() => {
    fake.state.postingLimit.enabled = true;
    fake.state.injectFailures.length = 0;
  });

  /** The message as it should look now, rendered from the incident's current state. */
  const currentMessage = async (incidentId: number, on: TestService = service) => renderSlackIncidentMessage(await on.services.views.build(incidentId));
  const contentOf = (message: FakeSlackMessage) => ({ text: message.text, attachments: message.attachments });
  const bindingsOf = async (chatId: string) => ((await service.api('GET', '/chat-bindings')).body.items as any[]).filter((b) => b.chatId === chatId);

  describe('incident message and a click', () => {
    it('an alert posts a Block Kit message with exact action ids, by the bot token as a form; a click is answered ephemerally and the message updated with chat.update', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundChannel([alice]);
      const { incident, message } = await world.triggerWithMessage(setup);

      // Posted with the bot token, as a form body, to the bound channel.
      const post = fake.state.requestsTo('chat.postMessage').find((request) => request.args.channel === setup.slack.id)!;
      expect(post.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
      expect(post.contentType).toBe('application/x-www-form-urlencoded');
      expect(post.status).toBe(200);
      expect(message.ts).toMatch(/^\d{10}\.\d{6}$/);
      expect(slackTitle(message)).toBe(incident.title);
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

      const answer = await world.clickAndAnswer(alice, message, 'oncall:acknowledge');
      expect(answer.body).toEqual({ response_type: 'ephemeral', replace_original: false, text: `Acknowledged #${incident.id}` });
      expect(fake.state.ephemeralsFor(alice.user.id, setup.slack.id).map((e) => e.text)).toEqual([`Acknowledged #${incident.id}`]);
      // Linked automatically: users.info gave Alice's email.
      expect(fake.state.requestsTo('users.info').filter((request) => request.args.user === alice.user.id).length).toBeGreaterThanOrEqual(1);

      // The channel's message itself was updated with chat.update, for everyone.
      await service.services.cards.idle();
      const updated = world.latest(message);
      expect(world.updatesOf(message).map((request) => request.status)).toEqual([200]);
      expect(updated.updates).toBe(1);
      expect(slackMessageText(updated)).toContain('Acknowledged by Alice');
      // Acknowledged: no Acknowledge button any more (Slack cannot disable one, as Feishu's card does); Close and
      // Escalate stay, with the values they had.
      expect(slackButtons(updated).map((button) => button.actionId)).toEqual(['oncall:close', 'oncall:escalate', 'oncall:details']);
      expect(slackButtons(updated).filter((button) => button.value !== undefined)).toEqual(
        buttons.filter((button) => button.value !== undefined && button.actionId !== 'oncall:acknowledge'),
      );

      // Closed: Reopen and Details only.
      expect((await world.clickAndAnswer(alice, updated, 'oncall:close')).body.text).toBe(`Closed #${incident.id}`);
      await service.services.cards.idle();
      expect(slackButtons(world.latest(message)).map((button) => button.actionId)).toEqual(['oncall:reopen', 'oncall:details']);
    });

    it('a button whose value does not match its action id is refused and changes nothing', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundChannel([alice]);
      const { incident, message } = await world.triggerWithMessage(setup);
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
      const answer = await world.send(signedRequest(signingSecret, payloadBody(payload), FORM_CONTENT_TYPE));
      expect(answer.status).toBe(200);
      expect((await world.responseAt(responseUrl)).body.text).toMatch(/not one of ours|malformed/);
      expect(kindsOf((await incidentDetail(service, incident.id)).timeline)).toEqual(['triggered']);
    });
  });

  describe('linking', () => {
    it('without users:read.email nobody is linked by email: the click prompts to link', async () => {
      const carol = await world.person('Carol');
      const setup = await world.boundChannel([carol]);
      const { incident, message } = await world.triggerWithMessage(setup);
      fake.state.removeScopes('users:read.email');
      try {
        const answer = await world.clickAndAnswer(carol, message, 'oncall:acknowledge');
        expect(world.visible(answer)).toMatch(/not linked/);
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
      const alice = await world.person('Alice');
      const setup = await world.boundChannel([alice]);
      const { incident, message } = await world.triggerWithMessage(setup);
      const usersInfoBefore = fake.state.requestsTo('users.info').length;

      const forged = await world.click(alice, message, 'oncall:close', {
        tamper: (request) => {
          const signature = request.headers['x-slack-signature'];
          request.headers['x-slack-signature'] = signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0');
        },
      });
      const wrongSecret = await world.click(alice, message, 'oncall:close', { secret: randomHex(16) });
      const unsigned = await world.click(alice, message, 'oncall:close', {
        tamper: (request) => {
          delete request.headers['x-slack-signature'];
          delete request.headers['x-slack-request-timestamp'];
        },
      });
      const swapped = await world.click(alice, message, 'oncall:close', {
        tamper: (request) => {
          request.body = request.body.replace(/close/g, 'acknowledge');
        },
      });
      // Correctly signed, but six minutes old.
      const stale = await world.click(alice, message, 'oncall:close', { sign: { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 } });

      for (const refused of [forged, wrongSecret, unsigned, swapped, stale]) {
        expect(refused.answer.status).toBe(401);
        expect(refused.answer.elapsedMs).toBeLessThan(ACK_DEADLINE_MS);
      }
      // A stale or forged slash command too.
      const commandUrl = fake.state.newResponseUrl({ kind: 'command', channel: setup.slack.id, user: alice.user.id });
      const staleCommand = signedRequest(signingSecret, slashCommandBody(workspace, { text: `close ${incident.id}`, user: alice.user, channel: setup.slack, responseUrl: commandUrl }), FORM_CONTENT_TYPE, {
        timestamp: Math.floor(Date.now() / 1000) - 301,
      });
      expect((await world.send(staleCommand)).status).toBe(401);

      await sleep(300);
      for (const url of [forged, wrongSecret, unsigned, swapped, stale].map((refused) => refused.responseUrl).concat(commandUrl)) {
        expect(fake.state.responsesTo(url)).toEqual([]);
      }
      let detail = await incidentDetail(service, incident.id);
      expect(detail.incident.status).toBe('triggered');
      expect(kindsOf(detail.timeline)).toEqual(['triggered']);
      expect(fake.state.requestsTo('users.info')).toHaveLength(usersInfoBefore);
      await service.services.cards.idle();
      expect(world.updatesOf(message)).toEqual([]);

      // A fresh, genuine request still works.
      expect((await world.clickAndAnswer(alice, message, 'oncall:close')).body.text).toBe(`Closed #${incident.id}`);
      detail = await incidentDetail(service, incident.id);
      expect(detail.incident.status).toBe('closed');
      await service.services.cards.idle();
    });
  });

  describe('requests dated ahead of our clock', () => {
    it('a correctly signed click or command dated 10 minutes ahead is refused with 401 and changes nothing; 1 minute ahead is handled', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundChannel([alice]);
      const { incident, message } = await world.triggerWithMessage(setup);
      const inMinutes = (minutes: number) => ({ timestamp: Math.floor(Date.now() / 1000) + minutes * 60 });

      const ahead = await world.click(alice, message, 'oncall:close', { sign: inMinutes(10) });
      expect(ahead.answer.status).toBe(401);
      expect(ahead.answer.elapsedMs).toBeLessThan(ACK_DEADLINE_MS);
      const commandUrl = fake.state.newResponseUrl({ kind: 'command', channel: setup.slack.id, user: alice.user.id });
      const command = slashCommandBody(workspace, { text: `close ${incident.id}`, user: alice.user, channel: setup.slack, responseUrl: commandUrl });
      expect((await world.send(signedRequest(signingSecret, command, FORM_CONTENT_TYPE, inMinutes(10)))).status).toBe(401);
      await sleep(300);
      expect(fake.state.responsesTo(ahead.responseUrl)).toEqual([]);
      expect(fake.state.responsesTo(commandUrl)).toEqual([]);
      expect(kindsOf((await incidentDetail(service, incident.id)).timeline)).toEqual(['triggered']);

      const skewed = await world.click(alice, message, 'oncall:acknowledge', { sign: inMinutes(1) });
      expect(skewed.answer).toEqual({ status: 200, text: '', elapsedMs: expect.any(Number) });
      expect((await world.responseAt(skewed.responseUrl)).body.text).toBe(`Acknowledged #${incident.id}`);
      expect((await incidentDetail(service, incident.id)).incident.status).toBe('acknowledged');
      await service.services.cards.idle();
    });
  });

  describe('events', () => {
    it('the request URL check (url_verification) is answered with the challenge; unsigned, it is refused', async () => {
      const challenge = `challenge-${randomHex(8)}`;
      const check = JSON.stringify({ token: workspace.verificationToken, challenge, type: 'url_verification' });
      const answer = await world.send(signedRequest(signingSecret, check, 'application/json'));
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({ challenge });
      const forged = await world.send(signedRequest(randomHex(16), check, 'application/json'));
      expect(forged.status).toBe(401);
      expect(forged.text).not.toContain(challenge);
    });

    it('only the bot joining a channel is greeted: someone else joining is not', async () => {
      const alice = await world.person('Alice');
      const room = fake.state.addChannel({ name: world.unique('new-room'), members: [alice.user.id] });
      const dave = fake.state.addUser({ name: 'dave' });
      const other = world.event({ type: 'member_joined_channel', user: dave.id, channel: room.id, channel_type: 'C', team: workspace.teamId });
      expect((await world.deliverEvent(other)).status).toBe(200);
      await sleep(300);
      expect(world.botMessagesIn(room.id)).toEqual([]);
    });

    it('member_left_channel unbinds the channel only when the bot is the one removed; group_left (a private channel) unbinds too', async () => {
      const kept = await world.boundChannel();
      const removed = await world.boundChannel();
      const frank = fake.state.addUser({ name: 'frank' });
      const someoneLeft = world.event({ type: 'member_left_channel', user: frank.id, channel: kept.slack.id, channel_type: 'C', team: workspace.teamId });
      const botRemoved = world.event({ type: 'member_left_channel', user: world.botUserId, channel: removed.slack.id, channel_type: 'C', team: workspace.teamId });
      expect((await world.deliverEvent(someoneLeft)).status).toBe(200);
      expect((await world.deliverEvent(botRemoved)).status).toBe(200);
      await waitFor('the removed binding to go', async () => ((await bindingsOf(removed.slack.id)).length === 0 ? true : undefined));
      expect(await bindingsOf(kept.slack.id)).toHaveLength(1);

      const privateRoom = await world.boundChannel();
      const leftPrivate = world.event({ type: 'group_left', channel: privateRoom.slack.id, actor_id: frank.id });
      expect((await world.deliverEvent(leftPrivate)).status).toBe(200);
      await waitFor('the private binding to go', async () => ((await bindingsOf(privateRoom.slack.id)).length === 0 ? true : undefined));
      expect(await bindingsOf(kept.slack.id)).toHaveLength(1);
    });
  });

  describe('/oncall', () => {
    it('answers only the caller (ephemeral) and posts nothing in the channel; link sends no DM; only a successful bind is announced in the channel', async () => {
      const alice = await world.person('Alice');
      const dan = await world.person('Dan', { member: false });
      const setup = await world.boundChannel([alice, dan]);
      const { incident } = await world.triggerWithMessage(setup);

      for (const [who, text] of [
        [alice, 'help'],
        [alice, 'list'],
        [alice, 'ack abc'],
        [alice, 'whoami'],
        [alice, `ack ${incident.id}`],
        [alice, `close ${incident.id}`],
        [dan, 'whoami'],
        [dan, `bind ${setup.channel.name}`],
      ] as const) {
        const answer = await world.command(who, setup.slack, text);
        expect({ text, responseType: answer.body.response_type }).toEqual({ text, responseType: 'ephemeral' });
      }
      const link = await world.command(dan, setup.slack, 'link');
      expect(link.body.response_type).toBe('ephemeral');
      expect(fake.state.ephemeralsFor(dan.user.id, setup.slack.id).at(-1)!.text).toBe(link.body.text);
      expect(fake.state.dmsTo(dan.user.id)).toEqual([]);
      await service.services.cards.idle();
      // Posted for everyone: the incident message, none of the answers.
      expect(world.botMessagesIn(setup.slack.id).filter((posted) => posted.attachments === undefined)).toEqual([]);

      const channel = await createChannel(service, `Payments SRE ${randomHex(3)}`);
      const room = fake.state.addChannel({ name: world.unique('payments-war-room'), members: [alice.user.id] });
      const bound = await world.command(alice, room, `bind ${channel.name}`);
      expect(bound.body.response_type).toBe('in_channel');
      expect(slackVisibleText(fake.state.messagesIn(room.id).at(-1)!.text)).toBe(`This chat now shows incidents of channel "${channel.name}".`);
      expect(await bindingsOf(room.id)).toEqual([expect.objectContaining({ platform: 'slack', chatId: room.id, channelId: channel.id, chatName: room.name })]);
    });

    it('a command that fails inside (the database refuses) is still answered, privately: "Something went wrong…"', async () => {
      const erin = await world.person('Erin', { member: false });
      const setup = await world.boundChannel([erin]);
      // `link` for an unlinked user stores a link code: without its table, the command throws inside the service.
      await service.db.manager.query('ALTER TABLE link_codes RENAME TO link_codes_away');
      let answer: FakeSlackResponse;
      try {
        answer = await world.command(erin, setup.slack, 'link');
      } finally {
        await service.db.manager.query('ALTER TABLE link_codes_away RENAME TO link_codes');
      }
      expect(answer.body.response_type).toBe('ephemeral');
      expect(world.visible(answer)).toMatch(/^Something went wrong while handling that command\. Please try again/);
      expect(world.botMessagesIn(setup.slack.id)).toEqual([]);
      // Once the database is fine again, so is the command.
      expect(world.visible(await world.command(erin, setup.slack, 'link'))).toMatch(/^Your link code is [A-Z0-9]{8}/);
    });

    it('a click that fails inside is answered privately too, and changes nothing', async () => {
      const erin = await world.person('Erin', { member: false });
      const setup = await world.boundChannel([erin]);
      const { incident, message } = await world.triggerWithMessage(setup);
      // An unlinked user's click stores a link code: without its table, the click throws inside the service.
      await service.db.manager.query('ALTER TABLE link_codes RENAME TO link_codes_away');
      let answer: FakeSlackResponse;
      try {
        answer = await world.clickAndAnswer(erin, message, 'oncall:acknowledge');
      } finally {
        await service.db.manager.query('ALTER TABLE link_codes_away RENAME TO link_codes');
      }
      expect(answer.body).toEqual({ response_type: 'ephemeral', replace_original: false, text: expect.stringMatching(/^Something went wrong while handling that click\. Please try again/) });
      expect((await incidentDetail(service, incident.id)).incident.status).toBe('triggered');
    });
  });

  describe('rate limits', () => {
    it('service_unavailable from chat.update is retried, and the message still ends up updated', async () => {
      const setup = await world.boundChannel();
      const { incident, message } = await world.triggerWithMessage(setup);
      fake.state.failNext('chat.update', 'service_unavailable', { match: (args) => args.ts === message.ts });
      expect((await service.api('POST', `/incidents/${incident.id}/acknowledge`, {})).status).toBe(200);
      await service.services.cards.idle();
      await waitFor('the message to show the acknowledgement', () => (slackStatus(world.latest(message)) === 'Acknowledged' ? true : undefined));
      expect(world.updatesOf(message).map((request) => request.error ?? 'ok')).toEqual(['service_unavailable', 'ok']);
    });

    it('a 429 with Retry-After on chat.update is waited out and the message still ends up updated; another channel is not delayed by it', async () => {
      const slow = await world.boundChannel();
      const other = await world.boundChannel();
      const { incident, message } = await world.triggerWithMessage(slow);
      fake.state.rateLimitNext('chat.update', 2, { match: (args) => args.ts === message.ts });

      expect((await service.api('POST', `/incidents/${incident.id}/acknowledge`, {})).status).toBe(200);
      const throttled = await waitFor('the throttled chat.update', () => world.updatesOf(message).find((request) => request.status === 429));
      expect(throttled.retryAfter).toBe(2);

      // While that update waits, an alert for another channel is posted right away.
      const sentAt = Date.now();
      await world.sendAlert(other.integration.path, 'Unrelated outage');
      const otherPost = await waitFor('the other channel’s message', () =>
        fake.state.requestsTo('chat.postMessage').find((request) => request.args.channel === other.slack.id && request.status === 200),
      );
      expect(otherPost.at - sentAt).toBeLessThan(1000);

      await service.services.cards.idle();
      const updates = world.updatesOf(message);
      expect(updates.map((request) => request.status)).toEqual([429, 200]);
      expect(updates[1].at - updates[0].at).toBeGreaterThanOrEqual(1950);
      expect(otherPost.at).toBeLessThan(updates[1].at);
      expect(slackStatus(world.latest(message))).toBe('Acknowledged');
      expect(contentOf(world.latest(message))).toEqual(await currentMessage(incident.id));
      expect(world.incidentMessagesIn(slow.slack.id)).toHaveLength(1);
      expect(fake.state.injectFailures).toEqual([]);
    });

    it('alerts for one channel in a burst stay within Slack’s posting limit (no 429 from the fake)', async () => {
      const setup = await world.boundChannel();
      const since = Date.now();
      // One more than the fake's burst allowance: without pacing the last one would get a 429.
      const count = fake.state.postingLimit.burst + 1;
      for (let i = 0; i < count; i++) await world.sendAlert(setup.integration.path, `Distinct outage ${i} ${randomHex(2)}`);
      await service.services.cards.idle();
      const posts = fake.state.requestsTo('chat.postMessage').filter((request) => request.args.channel === setup.slack.id && request.at >= since);
      expect(posts.map((request) => request.status)).toEqual(Array(count).fill(200));
      expect(world.incidentMessagesIn(setup.slack.id)).toHaveLength(count);
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
        ...world.config(),
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
      const alice = await world.person('Alice', { on: both });
      const feishuAlice = feishu.state.addUser({ name: 'Alice', email: alice.email });
      const setup = await world.boundChannel([alice], { on: both });
      const chat = feishu.state.addChat({ name: `${setup.channel.name} room`, memberOpenIds: [feishuAlice.open_id] });
      expect((await both.api('POST', '/chat-bindings', { platform: 'feishu', chatId: chat.chatId, channelId: setup.channel.id })).status).toBe(201);
      return { alice, feishuAlice, setup, chatId: chat.chatId };
    }

    it('acknowledging on Slack updates the Feishu card, and a click on the Feishu card updates the Slack message', async () => {
      const { alice, feishuAlice, setup, chatId } = await setupBoth();

      // Incident 1: acknowledged on Slack.
      const first = await world.triggerWithMessage(setup, both);
      const firstCard = feishu.state.cardsInChat(chatId).at(-1)!;
      expect(cardStatus(firstCard.content)).toBe('Triggered');
      expect((await world.clickAndAnswer(alice, first.message, 'oncall:acknowledge', { on: both })).body.text).toBe(`Acknowledged #${first.incident.id}`);
      await both.services.cards.idle();
      const patched = feishu.state.messages.get(firstCard.messageId)!;
      expect(patched.updates).toBe(1);
      expect(cardStatus(patched.content)).toBe('Acknowledged');
      expect(cardText(patched.content)).toContain('Acknowledged by **Alice**');
      expect(patched.content).toEqual(renderFeishuIncidentCard(await both.services.views.build(first.incident.id)));
      expect(slackStatus(world.latest(first.message))).toBe('Acknowledged');

      // Incident 2: acknowledged on Feishu.
      const second = await world.triggerWithMessage(setup, both);
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
      const updated = world.latest(second.message);
      expect(world.updatesOf(second.message).map((request) => request.status)).toEqual([200]);
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
