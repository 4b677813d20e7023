/**
 * The Slack app in Socket Mode (SLACK_CONNECTION=socket), end to end: the service asks the fake Web API for a
 * connection URL with its app-level token, opens the fake's WebSocket, and handles envelopes exactly as Slack sends
 * them — slash commands, block actions and events — acknowledging each on the socket and answering at the
 * response_url; messages are updated with chat.update. No Slack URL is mounted on the HTTP server.
 */
import { renderSlackIncidentMessage } from '../../../src/platforms/slack/slack-message.renderer.js';
import { slackVisibleText, startFakeSlack, type FakeSlack, type FakeSlackChannel, type FakeSlackMessage, type FakeSlackResponse, type FakeSlackUser } from '../../fakes/slack-web-api.js';
import type { Delivery } from '../../fakes/slack-socket-mode.js';
import { createChannel, createMember } from '../../support/admin-helpers.js';
import { DATABASE_KINDS, REDIS_TEST_URL } from '../../support/databases.js';
import { randomHex, waitFor } from '../../support/feishu-app-helpers.js';
import { FEISHU_SUCCESS, createIntegration, incidentDetail, incidentsOfChannel, type CreatedIntegration } from '../../support/feishu-helpers.js';
import { slackStatus } from '../../support/slack-app-helpers.js';
import { FORM_CONTENT_TYPE, blockActionsPayload, eventCallback, sendToApp, signedRequest, slashCommandBody, workspaceOf, type SlackWorkspace } from '../../support/slack-requests.js';
import { startTestService, type TestService } from '../../support/test-service.js';

const BOT_TOKEN = 'xoxb-socket-test';
const APP_TOKEN = 'xapp-1-A0SOCKET-123-abc';
/** Slack wants every envelope acknowledged within 3 s. */
const ACK_DEADLINE_MS = 3000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const kindsOf = (timeline: any[]) => timeline.map((entry) => entry.kind);

describe.each(DATABASE_KINDS)('Slack app in Socket Mode on %s', (kind) => {
  let fake: FakeSlack;
  let service: TestService;
  let stopped = false;
  let workspace: SlackWorkspace;

  beforeAll(async () => {
    fake = await startFakeSlack({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
    workspace = workspaceOf(fake);
    service = await startTestService(kind, 'slack_socket_mode', {
      slack: { botToken: BOT_TOKEN, appToken: APP_TOKEN, connection: 'socket', apiUrl: fake.url },
      ...(kind === 'mariadb' ? { redisUrl: REDIS_TEST_URL } : {}),
    });
  });
  afterAll(async () => {
    if (!stopped) await service?.stop();
    await fake?.close();
  });

  /** A fake Slack user, and the member with the same email linked to them by an admin mapping. */
  async function linkedPerson(name: string): Promise<{ user: FakeSlackUser; member: { id: number; name: string } }> {
    const email = `${name.toLowerCase()}.${randomHex(4)}@example.com`;
    const user = fake.state.addUser({ name: name.toLowerCase(), realName: name, email });
    const member = await createMember(service, name, { email });
    const mapped = await service.api('POST', '/im-identities', { platform: 'slack', mappings: [{ memberId: member.id, externalId: user.id }] });
    expect(mapped.status).toBe(200);
    return { user, member };
  }

  /** A channel with an integration, bound to a new Slack channel with `members` in it. */
  async function boundChannel(members: FakeSlackUser[]): Promise<{ channel: { id: number }; integration: CreatedIntegration; slack: FakeSlackChannel }> {
    const channel = await createChannel(service, `sre-${randomHex(3)}`);
    const integration = await createIntegration(service, { channelId: channel.id });
    const slack = fake.state.addChannel({ name: channel.name, members: members.map((member) => member.id) });
    expect((await service.api('POST', '/chat-bindings', { platform: 'slack', chatId: slack.id, channelId: channel.id })).status).toBe(201);
    return { channel, integration, slack };
  }

  async function triggerWithMessage(setup: Awaited<ReturnType<typeof boundChannel>>): Promise<{ incident: any; message: FakeSlackMessage }> {
    expect(await service.post(setup.integration.path, { msg_type: 'text', content: { text: `Disk full on db-${randomHex(2)}` } })).toEqual({ status: 200, body: FEISHU_SUCCESS });
    const [incident] = await incidentsOfChannel(service, setup.channel.id);
    await service.services.cards.idle();
    const [message] = fake.state.messagesIn(setup.slack.id).filter((candidate) => candidate.attachments !== undefined);
    expect(message).toBeDefined();
    return { incident, message };
  }

  /** An envelope acknowledged on the socket within Slack's deadline, with no payload (answers go to the response_url). */
  function expectPromptEmptyAck(delivery: Delivery): void {
    expect(delivery.ack).toEqual({ envelopeId: delivery.envelope.envelopeId, at: expect.any(Number), connectionId: delivery.envelope.connectionId });
    expect(delivery.ack!.at - delivery.envelope.sentAt).toBeLessThan(ACK_DEADLINE_MS);
  }

  /** `/oncall <text>` as a slash_commands envelope; its payload is the command's form fields as an object. */
  async function command(user: FakeSlackUser, channel: FakeSlackChannel, text: string): Promise<{ delivery: Delivery; response: FakeSlackResponse }> {
    const responseUrl = fake.state.newResponseUrl({ kind: 'command', channel: channel.id, user: user.id });
    const payload = Object.fromEntries(new URLSearchParams(slashCommandBody(workspace, { text, user, channel, responseUrl })));
    const delivery = await fake.socket.deliver('slash_commands', payload);
    expectPromptEmptyAck(delivery);
    const response = await waitFor(`the answer to /oncall ${text}`, () => fake.state.responsesTo(responseUrl)[0]);
    return { delivery, response };
  }

  const visible = (response: FakeSlackResponse) => slackVisibleText(String(response.body.text ?? ''), fake.state.users, fake.state.channels);
  const updatesOf = (message: FakeSlackMessage) => fake.state.requestsTo('chat.update').filter((request) => request.args.ts === message.ts);

  it('connects with the app-level token and no public Slack URL: one socket, greeted with hello', async () => {
    const opens = fake.state.requestsTo('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]).toMatchObject({ httpMethod: 'POST', status: 200, ok: true, token: APP_TOKEN });
    expect(opens[0].headers.authorization).toBe(`Bearer ${APP_TOKEN}`);
    expect(fake.socket.openConnections()).toHaveLength(1);

    // The HTTP server has no Slack endpoint: a correctly signed request to the HTTP path finds nothing.
    const check = JSON.stringify({ token: workspace.verificationToken, challenge: 'c', type: 'url_verification' });
    expect((await sendToApp(service.url, signedRequest(randomHex(16), check, 'application/json'))).status).toBe(404);
    expect((await sendToApp(service.url, signedRequest(randomHex(16), 'command=%2Foncall&text=list', FORM_CONTENT_TYPE))).status).toBe(404);
  });

  it('/oncall list and /oncall ack <id> arrive as slash_commands envelopes, are acked on the socket and answered at the response_url', async () => {
    const alice = await linkedPerson('Alice');
    const setup = await boundChannel([alice.user]);
    const { incident, message } = await triggerWithMessage(setup);

    const list = await command(alice.user, setup.slack, 'list');
    expect(list.response.body.response_type).toBe('ephemeral');
    expect(visible(list.response)).toBe(`Open incidents:\n#${incident.id} [triggered] ${incident.title}`);

    const ack = await command(alice.user, setup.slack, `ack ${incident.id}`);
    expect(ack.response.body).toEqual({ response_type: 'ephemeral', text: `Acknowledged #${incident.id}` });
    const detail = await incidentDetail(service, incident.id);
    expect(detail.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: alice.member.id });
    expect(kindsOf(detail.timeline)).toEqual(['triggered', 'acknowledged']);

    await service.services.cards.idle();
    expect(updatesOf(message).map((request) => request.status)).toEqual([200]);
    expect(slackStatus(fake.state.message(message.channel, message.ts)!)).toBe('Acknowledged');
  });

  it('a block_actions envelope from a linked user acknowledges the incident and updates the message; the same envelope re-delivered does nothing more', async () => {
    const bob = await linkedPerson('Bob');
    const setup = await boundChannel([bob.user]);
    const { incident, message } = await triggerWithMessage(setup);

    const responseUrl = fake.state.newResponseUrl({ kind: 'action', channel: setup.slack.id, user: bob.user.id, messageTs: message.ts });
    const payload = blockActionsPayload(workspace, { user: bob.user, channel: setup.slack, message, actionId: 'oncall:acknowledge', responseUrl });
    const first = await fake.socket.deliver('interactive', payload);
    expectPromptEmptyAck(first);
    expect(first.envelope.type).toBe('interactive');
    const answer = await waitFor('the click’s answer', () => fake.state.responsesTo(responseUrl)[0]);
    expect(answer.body).toEqual({ response_type: 'ephemeral', replace_original: false, text: `Acknowledged #${incident.id}` });

    await service.services.cards.idle();
    const updated = fake.state.message(message.channel, message.ts)!;
    expect(updatesOf(message).map((request) => request.status)).toEqual([200]);
    expect(slackStatus(updated)).toBe('Acknowledged');
    expect({ text: updated.text, attachments: updated.attachments }).toEqual(renderSlackIncidentMessage(await service.services.views.build(incident.id)));

    // Slack delivers the envelope again (same envelope_id, retry_attempt 1): acknowledged, not handled again.
    const again = await fake.socket.deliver('interactive', payload, { envelopeId: first.envelope.envelopeId, retryAttempt: 1 });
    expectPromptEmptyAck(again);
    await sleep(500);
    await service.services.cards.idle();
    expect(fake.state.responsesTo(responseUrl)).toHaveLength(1);
    expect(kindsOf((await incidentDetail(service, incident.id)).timeline)).toEqual(['triggered', 'acknowledged']);
    expect(updatesOf(message)).toHaveLength(1);

    // A re-delivered slash command is not answered twice either.
    const listed = await command(bob.user, setup.slack, 'list');
    const repeat = await fake.socket.deliver('slash_commands', listed.delivery.envelope.payload, { envelopeId: listed.delivery.envelope.envelopeId, retryAttempt: 1 });
    expectPromptEmptyAck(repeat);
    await sleep(500);
    expect(fake.state.responsesTo(listed.delivery.envelope.payload.response_url)).toHaveLength(1);
  });

  it('an events_api envelope is handled once even when Slack retries it in a new envelope (same event_id)', async () => {
    const botUserId = fake.state.bot.userId;
    const room = fake.state.addChannel({ name: `new-room-${randomHex(3)}` });
    const joined = eventCallback(workspace, { botUserId, event: { type: 'member_joined_channel', user: botUserId, channel: room.id, channel_type: 'C', team: workspace.teamId } });

    expectPromptEmptyAck(await fake.socket.deliver('events_api', joined));
    const welcome = await waitFor('the welcome message', () => fake.state.messagesIn(room.id)[0]);
    expect(slackVisibleText(welcome.text)).toContain('/oncall bind <channel>');

    expectPromptEmptyAck(await fake.socket.deliver('events_api', joined, { retryAttempt: 1, retryReason: 'timeout' }));
    // Posts to a channel are paced at 1/s: a second welcome would arrive within a second of the first.
    await sleep(Math.max(0, welcome.history[0].at + 1500 - Date.now()));
    expect(fake.state.messagesIn(room.id)).toHaveLength(1);
  });

  it('when Slack asks for a refresh (disconnect message) the app reconnects with a new URL and keeps working', async () => {
    const opensBefore = fake.state.requestsTo('apps.connections.open').length;
    const [old] = fake.socket.openConnections();
    fake.socket.requestRefresh();
    // The client waits its reconnect delay (5 s, its ping timeout) before asking for a new URL.
    const fresh = await waitFor('a new connection', () => fake.socket.openConnections().find((connection) => connection.id !== old.id), 12_000);
    expect(old.closedAt).toBeDefined();
    expect(fake.state.requestsTo('apps.connections.open')).toHaveLength(opensBefore + 1);
    expect(fresh.ticket).not.toBe(old.ticket);

    const carol = await linkedPerson('Carol');
    const setup = await boundChannel([carol.user]);
    await triggerWithMessage(setup);
    const { delivery, response } = await command(carol.user, setup.slack, 'whoami');
    expect(delivery.envelope.connectionId).toBe(fresh.id);
    expect(visible(response)).toMatch(/^You act as Carol /);
  }, 20_000);

  it('stopping the service closes the socket with a normal closure', async () => {
    const [connection] = fake.socket.openConnections();
    expect(connection).toBeDefined();
    stopped = true;
    await service.stop();
    const closed = await waitFor('the socket to close', () => (connection.closedAt !== undefined ? connection : undefined));
    expect(closed.closeCode).toBe(1000);
    expect(fake.socket.openConnections()).toEqual([]);
  });
});
