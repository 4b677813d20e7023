/**
 * A channel's outgoing queue, end to end against the fake Web API (which answers 429 to posts beyond about one a second
 * per channel, as Slack does): in a storm of new incidents, an escalation page to the same channel goes out ahead of the
 * incident messages still waiting for it, never faster than the channel allows, and every incident message is posted
 * in the end. (Slack's message updates are paced per message and per workspace, not in the channel's queue.)
 */
import { createChannel, createMember } from '../../support/admin-helpers.js';
import { waitUntil } from '../../support/escalation-helpers.js';
import { randomHex } from '../../support/feishu-app-helpers.js';
import { createIntegration, FEISHU_SUCCESS, incidentsOfChannel } from '../../support/feishu-helpers.js';
import { startTestService, type TestService } from '../../support/test-service.js';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack-web-api.js';

const BOT_TOKEN = 'xoxb-priority';
/** At one post a second, ~12 s of incident messages queue for the channel. */
const STORM = 12;
/** Only this alert matches the escalation rule: the storm's incidents page nobody. */
const PAGE_ME = 'PAGE-ME';

let fake: FakeSlack;
let service: TestService;

beforeAll(async () => {
  fake = await startFakeSlack({ botToken: BOT_TOKEN });
  service = await startTestService('sqlite', 'slack_chat_priority', {
    slack: { botToken: BOT_TOKEN, signingSecret: randomHex(16), connection: 'http', apiUrl: fake.url },
  });
}, 30_000);
afterAll(async () => {
  await service?.stop();
  await fake?.close();
});

it(
  `${STORM} new incidents queue their messages in one channel: an escalation page to it overtakes the waiting ones`,
  async () => {
    const channel = await createChannel(service, `sre-${randomHex(4)}`);
    const integration = await createIntegration(service, { channelId: channel.id });
    const slack = fake.state.addChannel({ name: channel.name });
    expect((await service.api('POST', '/chat-bindings', { platform: 'slack', chatId: slack.id, channelId: channel.id, chatName: slack.name })).status).toBe(201);
    const member = await createMember(service, 'Alice');
    const rule = await service.api('POST', `/channels/${channel.id}/escalation-rules`, {
      name: 'payments',
      filters: { conditions: [{ field: 'any', op: 'contains', value: PAGE_ME }] },
      levels: [{ memberIds: [member.id], notifyGroupChats: true, notifyDirect: false, waitMinutes: 60 }],
    });
    expect(rule.status).toBe(201);
    const alert = async (text: string) =>
      expect(await service.post(integration.path, { msg_type: 'text', content: { text } })).toEqual({ status: 200, body: FEISHU_SUCCESS });

    await Promise.all(Array.from({ length: STORM }, (_, i) => alert(`Disk full on host-${i}`)));
    const pagedText = `Payments are failing ${PAGE_ME}`;
    await alert(pagedText);
    const paged = (await incidentsOfChannel(service, channel.id)).find((incident) => incident.description === pagedText);
    const isPage = (text: string) => text.includes(`Escalation level 1: incident #${paged.id} `);
    await waitUntil('the page in the channel', () => fake.state.messagesIn(slack.id).find((message) => isPage(message.text)), 20_000);
    await service.services.cards.idle();

    const inChannel = fake.state.messagesIn(slack.id);
    const incidentMessages = inChannel.filter((message) => message.attachments !== undefined);
    expect(incidentMessages).toHaveLength(STORM + 1);
    const pageAt = inChannel.findIndex((message) => isPage(message.text));
    const before = inChannel.slice(0, pageAt).filter((message) => message.attachments !== undefined).length;
    process.stdout.write(`[slack chat priority] the page went out after ${before} of ${STORM + 1} incident messages\n`);
    expect(before).toBeLessThan(STORM / 2);

    // Never faster than the channel allows: no post was refused.
    expect(fake.state.requestsTo('chat.postMessage').map((request) => request.status)).toEqual(Array(STORM + 2).fill(200));
  },
  60_000,
);
