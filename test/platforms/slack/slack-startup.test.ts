/**
 * The service starts while Slack is down — every request answered HTTP 503, or taken and never answered ('hang'), or
 * Slack up but auth.test answering `service_unavailable` — and the Slack app works once Slack is back: the bot's
 * identity (auth.test) is tried again in the background rather than failed for good, and commands and clicks never
 * wait for it, so they are acknowledged at once even during the outage, and a signed slash command, a click and the
 * bot's own join event all work afterwards. Alerts are taken throughout. (Bolt, left to itself, makes one auth.test
 * at start, without a timeout, makes every request wait for it, and keeps its outcome forever: a refusal, or an
 * answer that never comes.)
 */
import { createChannel, createMember } from '../../support/admin-helpers.js';
import { randomHex, waitFor } from '../../support/feishu-app-helpers.js';
import { createIntegration, FEISHU_SUCCESS, incidentDetail } from '../../support/feishu-helpers.js';
import { slackStatus } from '../../support/slack-app-helpers.js';
import {
  FORM_CONTENT_TYPE,
  blockActionsPayload,
  eventCallback,
  payloadBody,
  sendToApp,
  signedRequest,
  slashCommandBody,
  workspaceOf,
} from '../../support/slack-requests.js';
import { startTestService, type TestService } from '../../support/test-service.js';
import { slackVisibleText, startFakeSlack, type FakeSlack, type FakeSlackChannel, type FakeSlackMessage, type FakeSlackUser, type SlackOutageMode } from '../../fakes/slack-web-api.js';

const BOT_TOKEN = 'xoxb-startup';
/** Long enough that a start-up waiting for auth.test would visibly wait for it. */
const SLACK_TIMEOUT_MS = 5000;
const INTAKE_MS = 1000;
const ACK_DEADLINE_MS = 3000;
const OUTAGE_MS = 1500;

interface Scenario {
  name: string;
  outage?: SlackOutageMode;
  /** Slack is up, but auth.test answers `{ok:false, error}` until it is back. */
  authTestError?: string;
}

const SCENARIOS: Scenario[] = [
  { name: 'answering HTTP 503', outage: 'http503' },
  { name: 'hanging', outage: 'hang' },
  { name: 'refusing auth.test (service_unavailable)', authTestError: 'service_unavailable' },
];

describe.each(SCENARIOS)('Slack $name while the service starts', (scenario) => {
  const mode = scenario.outage;
  let fake: FakeSlack;
  let service: TestService | undefined;
  const signingSecret = randomHex(16);

  beforeEach(async () => {
    fake = await startFakeSlack({ botToken: BOT_TOKEN });
  });
  afterEach(async () => {
    fake.state.endOutage();
    await service?.stop();
    service = undefined;
    await fake.close();
  });

  it('starts without waiting for Slack, takes alerts, and once Slack is back commands, clicks and events work', async () => {
    if (mode) fake.state.startOutage(mode);
    if (scenario.authTestError) fake.state.failNext('auth.test', scenario.authTestError, { times: Infinity });
    const startedAt = Date.now();
    service = await startTestService('sqlite', `slack_startup`, {
      slack: {
        botToken: BOT_TOKEN,
        signingSecret,
        connection: 'http',
        apiUrl: fake.url,
        requestTimeoutMs: SLACK_TIMEOUT_MS,
        identityRetry: { firstDelayMs: 300, maxDelayMs: 1000 },
      },
      cardRedelivery: { firstDelayMs: 300, maxDelayMs: 1000 },
    });
    const startMs = Date.now() - startedAt;
    // It asked Slack who it is, and did not wait for the answer: in 'hang' that request is still open now.
    const firstAuth = await waitFor('the first auth.test', () => fake.state.requestsTo('auth.test')[0]);
    expect(firstAuth.outage).toBe(mode);
    if (scenario.authTestError) expect(firstAuth.error).toBe(scenario.authTestError);
    if (mode === 'hang') {
      expect(firstAuth.status).toBeUndefined();
      expect(firstAuth.abandonedAt).toBeUndefined();
      expect(startMs).toBeLessThan(SLACK_TIMEOUT_MS);
    }

    // Alerts are taken while Slack is down.
    const workspace = workspaceOf(fake);
    const email = `alice.${randomHex(4)}@example.com`;
    const alice: FakeSlackUser = fake.state.addUser({ name: 'alice', realName: 'Alice', email });
    const member = await createMember(service, 'Alice', { email });
    const channel = await createChannel(service, `sre-${randomHex(3)}`);
    const integration = await createIntegration(service, { channelId: channel.id });
    const room: FakeSlackChannel = fake.state.addChannel({ name: channel.name, members: [alice.id] });
    expect((await service.api('POST', '/chat-bindings', { platform: 'slack', chatId: room.id, channelId: channel.id, chatName: room.name })).status).toBe(201);
    const alert = async (text: string) => {
      const sentAt = performance.now();
      expect(await service!.post(integration.path, { msg_type: 'text', content: { text } })).toEqual({ status: 200, body: FEISHU_SUCCESS });
      expect(performance.now() - sentAt).toBeLessThan(INTAKE_MS);
    };
    const duringOutage = `Disk full on db-1 ${randomHex(3)}`;
    await alert(duringOutage);
    const incidents = (await service.api('GET', `/incidents?channelId=${channel.id}&limit=10`)).body.items as any[];
    const incident = incidents.find((item) => item.description === duringOutage);
    expect(incident).toBeDefined();

    // A command during the outage is still acknowledged at once: nothing waits for auth.test.
    const early = await sendToApp(
      service.url,
      signedRequest(signingSecret, slashCommandBody(workspace, { text: 'help', user: alice, channel: room, responseUrl: fake.state.newResponseUrl({ kind: 'command', channel: room.id, user: alice.id }) }), FORM_CONTENT_TYPE),
    );
    expect(early.status).toBe(200);
    expect(early.elapsedMs).toBeLessThan(ACK_DEADLINE_MS);
    if (mode !== 'hang') {
      // Tried again with backoff, every time refused.
      await waitFor('auth.test tried again', () => (fake.state.requestsTo('auth.test').length >= 2 ? true : undefined));
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, startedAt + OUTAGE_MS - Date.now())));
    expect(fake.state.requestsTo('auth.test').every((request) => request.ok !== true)).toBe(true);

    // Slack is back.
    fake.state.endOutage();
    fake.state.injectFailures.length = 0;

    // A signed slash command is answered at its response_url, and acts.
    const commandUrl = fake.state.newResponseUrl({ kind: 'command', channel: room.id, user: alice.id });
    const commandBody = slashCommandBody(workspace, { text: `ack ${incident.id}`, user: alice, channel: room, responseUrl: commandUrl });
    const commandAnswer = await sendToApp(service.url, signedRequest(signingSecret, commandBody, FORM_CONTENT_TYPE));
    expect(commandAnswer).toEqual({ status: 200, text: '', elapsedMs: expect.any(Number) });
    expect(commandAnswer.elapsedMs).toBeLessThan(ACK_DEADLINE_MS);
    const commandReply = await waitFor('the command answer', () => fake.state.responsesTo(commandUrl)[0]);
    expect(commandReply.body).toEqual({ response_type: 'ephemeral', text: `Acknowledged #${incident.id}` });
    expect((await incidentDetail(service, incident.id)).incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: member.id });

    // The incident message the outage held back shows up, and a click on it works.
    const message: FakeSlackMessage = await waitFor(
      'the incident message',
      () => fake.state.messagesIn(room.id).find((posted) => posted.attachments !== undefined && slackStatus(posted) === 'Acknowledged'),
      8000,
    );
    const clickUrl = fake.state.newResponseUrl({ kind: 'action', channel: room.id, user: alice.id, messageTs: message.ts });
    const payload = blockActionsPayload(workspace, { user: alice, channel: room, message, actionId: 'oncall:close', responseUrl: clickUrl });
    const clickAnswer = await sendToApp(service.url, signedRequest(signingSecret, payloadBody(payload), FORM_CONTENT_TYPE));
    expect(clickAnswer.status).toBe(200);
    expect(clickAnswer.elapsedMs).toBeLessThan(ACK_DEADLINE_MS);
    expect((await waitFor('the click answer', () => fake.state.responsesTo(clickUrl)[0])).body.text).toBe(`Closed #${incident.id}`);
    expect((await incidentDetail(service, incident.id)).incident.status).toBe('closed');
    await service.services.cards.idle();
    expect(slackStatus(fake.state.message(room.id, message.ts)!)).toBe('Closed');

    // The bot knows itself again: its own join is greeted.
    const invitedTo = fake.state.addChannel({ name: `new-room-${randomHex(3)}`, members: [alice.id] });
    const joined = eventCallback(workspace, {
      botUserId: fake.state.bot.userId,
      event: { type: 'member_joined_channel', user: fake.state.bot.userId, channel: invitedTo.id, channel_type: 'C', team: workspace.teamId, inviter: alice.id },
    });
    expect((await sendToApp(service.url, signedRequest(signingSecret, JSON.stringify(joined), 'application/json'))).status).toBe(200);
    const welcome = await waitFor('the welcome message', () => fake.state.messagesIn(invitedTo.id)[0]);
    expect(slackVisibleText(welcome.text)).toContain('/oncall bind <channel>');

    // Alerts still go in after the outage; auth.test succeeded once and was not asked again.
    await alert(`Disk full on db-2 ${randomHex(3)}`);
    const auths = fake.state.requestsTo('auth.test');
    const answered = auths.filter((request) => request.ok === true);
    expect(answered).toHaveLength(1);
    expect(auths.at(-1)).toBe(answered[0]);
    process.stdout.write(`[slack startup, Slack ${scenario.name}] started in ${startMs} ms; auth.test tried ${auths.length} times, answered ${answered[0].at - startedAt} ms after start\n`);
  }, 30_000);
});
