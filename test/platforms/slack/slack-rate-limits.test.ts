/**
 * Slack's rate limits, end to end against the fake Web API: a 429's Retry-After holds back the whole channel it was
 * for (later and waiting posts there wait it out too, whatever method got the 429), while other channels go on; and
 * chat.update, a Tier 3 method limited per workspace, is paced so that many incidents changing at once never get a
 * 429. The workspace limit is scaled down here (fake: 120/min with bursts of 5; the app: 120/min with bursts of 3) so
 * the test takes seconds; the defaults are 50/min (fake burst 20, app burst 10).
 */
import { createChannel } from '../../support/admin-helpers.js';
import { randomHex, waitFor } from '../../support/feishu-app-helpers.js';
import { createIntegration, FEISHU_SUCCESS, incidentsOfChannel, type CreatedIntegration } from '../../support/feishu-helpers.js';
import { slackStatus } from '../../support/slack-app-helpers.js';
import { startTestService, type TestService } from '../../support/test-service.js';
import { startFakeSlack, type FakeSlack, type FakeSlackChannel, type FakeSlackMessage, type FakeSlackRequest } from '../../fakes/slack-web-api.js';

const BOT_TOKEN = 'xoxb-limits';
const APP_UPDATE_LIMIT = { perMinute: 120, burst: 3 };
const SLACK_UPDATE_LIMIT = { perMinute: 120, burst: 5 };
const RETRY_AFTER_S = 2;
/** A post to a channel nobody holds back goes out within this. */
const PROMPT_MS = 1000;
/** Timer slack: a wait measured on the fake's clock may end a few ms before the Retry-After. */
const EARLY_MS = 50;

interface Bound {
  slack: FakeSlackChannel;
  channelId: number;
  integration: CreatedIntegration;
}

let fake: FakeSlack;
let service: TestService;

beforeAll(async () => {
  fake = await startFakeSlack({ botToken: BOT_TOKEN, updateLimit: SLACK_UPDATE_LIMIT });
  service = await startTestService('sqlite', 'slack_rate_limits', {
    slack: { botToken: BOT_TOKEN, signingSecret: randomHex(16), connection: 'http', apiUrl: fake.url, updateLimit: APP_UPDATE_LIMIT },
  });
});
afterAll(async () => {
  await service?.stop();
  await fake?.close();
});
beforeEach(() => {
  fake.state.injectFailures.length = 0;
});

async function boundChannel(): Promise<Bound> {
  const channel = await createChannel(service, `sre-${randomHex(4)}`);
  const integration = await createIntegration(service, { channelId: channel.id });
  const slack = fake.state.addChannel({ name: channel.name });
  expect((await service.api('POST', '/chat-bindings', { platform: 'slack', chatId: slack.id, channelId: channel.id, chatName: slack.name })).status).toBe(201);
  return { slack, channelId: channel.id, integration };
}

async function alert(target: Bound, text = `Outage ${randomHex(4)}`): Promise<string> {
  expect(await service.post(target.integration.path, { msg_type: 'text', content: { text } })).toEqual({ status: 200, body: FEISHU_SUCCESS });
  return text;
}

const postsTo = (channelId: string, since = 0): FakeSlackRequest[] =>
  fake.state.requestsTo('chat.postMessage').filter((request) => request.args.channel === channelId && request.at >= since);
const incidentMessagesIn = (channelId: string): FakeSlackMessage[] => fake.state.messagesIn(channelId).filter((message) => message.attachments !== undefined);

describe('a 429 holds back its channel, and only its channel', () => {
  /** An alert for `channel` (not the held one): its message is posted at once. */
  async function alertPostedPromptly(channel: Bound, since: number) {
    const sentAt = Date.now();
    await alert(channel);
    const post = await waitFor('the other channel’s post', () => postsTo(channel.slack.id, since).find((request) => request.status === 200));
    expect(post.at - sentAt).toBeLessThan(PROMPT_MS);
    return post;
  }

  it('chat.postMessage answered 429: the refused post and the next one for that channel both wait out Retry-After; another channel posts at once', async () => {
    const busy = await boundChannel();
    const other = await boundChannel();
    fake.state.rateLimitNext('chat.postMessage', RETRY_AFTER_S, { match: (args) => args.channel === busy.slack.id });

    const since = Date.now();
    await alert(busy);
    const refused = await waitFor('the 429', () => postsTo(busy.slack.id, since).find((request) => request.status === 429));
    expect(refused.retryAfter).toBe(RETRY_AFTER_S);
    // A second incident for the same channel, and one for another channel, while the first post waits.
    await alert(busy);
    const otherPost = await alertPostedPromptly(other, since);

    await service.services.cards.idle();
    const posts = postsTo(busy.slack.id, since);
    expect(posts.map((request) => request.status)).toEqual([429, 200, 200]);
    const holdEnds = refused.at + RETRY_AFTER_S * 1000;
    for (const later of posts.slice(1)) expect(later.at).toBeGreaterThanOrEqual(holdEnds - EARLY_MS);
    // After the hold, the channel is paced again (1/s), not flooded.
    expect(posts[2].at - posts[1].at).toBeGreaterThanOrEqual(1000 - EARLY_MS);
    expect(otherPost.at).toBeLessThan(posts[1].at);
    expect(incidentMessagesIn(busy.slack.id)).toHaveLength(2);
    expect(incidentMessagesIn(other.slack.id)).toHaveLength(1);
  });

  it('chat.update answered 429: a new incident’s post to that channel waits out Retry-After as well; another channel posts at once', async () => {
    const busy = await boundChannel();
    const other = await boundChannel();
    await alert(busy);
    await service.services.cards.idle();
    const [message] = incidentMessagesIn(busy.slack.id);
    const [incident] = await incidentsOfChannel(service, busy.channelId);
    fake.state.rateLimitNext('chat.update', RETRY_AFTER_S, { match: (args) => args.ts === message.ts });

    const since = Date.now();
    expect((await service.api('POST', `/incidents/${incident.id}/acknowledge`, {})).status).toBe(200);
    const refused = await waitFor('the 429', () => fake.state.requestsTo('chat.update').find((request) => request.args.ts === message.ts && request.status === 429));
    await alert(busy);
    await alertPostedPromptly(other, since);

    await service.services.cards.idle();
    const holdEnds = refused.at + RETRY_AFTER_S * 1000;
    const posts = postsTo(busy.slack.id, since);
    expect(posts.map((request) => request.status)).toEqual([200]);
    expect(posts[0].at).toBeGreaterThanOrEqual(holdEnds - EARLY_MS);
    const updates = fake.state.requestsTo('chat.update').filter((request) => request.args.ts === message.ts);
    expect(updates.map((request) => request.status)).toEqual([429, 200]);
    expect(updates[1].at).toBeGreaterThanOrEqual(holdEnds - EARLY_MS);
    expect(slackStatus(fake.state.message(message.channel, message.ts)!)).toBe('Acknowledged');
  });
});

describe('chat.update is paced per workspace', () => {
  it('twelve incidents in four channels acknowledged at once: every message updated, none refused, no faster than the workspace allows', async () => {
    const channels = await Promise.all(Array.from({ length: 4 }, () => boundChannel()));
    for (const target of channels) for (let i = 0; i < 3; i++) await alert(target);
    await service.services.cards.idle();
    const messages = channels.flatMap((target) => incidentMessagesIn(target.slack.id));
    expect(messages).toHaveLength(12);
    const incidents = (await Promise.all(channels.map((target) => incidentsOfChannel(service, target.channelId)))).flat();
    expect(incidents).toHaveLength(12);

    // Let the workspace's update budget fill up, then use more than all of it at once.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const since = Date.now();
    const acks = await Promise.all(incidents.map((incident) => service.api('POST', `/incidents/${incident.id}/acknowledge`, {})));
    expect(acks.map((answer) => answer.status)).toEqual(Array(12).fill(200));
    await service.services.cards.idle();

    const updates = fake.state.requestsTo('chat.update').filter((request) => request.at >= since);
    expect(updates.map((request) => request.status)).toEqual(Array(12).fill(200));
    for (const message of messages) expect(slackStatus(fake.state.message(message.channel, message.ts)!)).toBe('Acknowledged');
    // A burst of 3, then one every 500 ms: the last of 12 no sooner than 9 intervals after the first could go. Measured
    // from the acks (the first update cannot go before them), since a loaded machine may deliver the first request late.
    const intervalMs = 60_000 / APP_UPDATE_LIMIT.perMinute;
    const spanMs = updates.at(-1)!.at - since;
    expect(spanMs).toBeGreaterThanOrEqual((12 - APP_UPDATE_LIMIT.burst) * intervalMs - EARLY_MS);
    process.stdout.write(`[slack update pacing] 12 chat.update calls over ${spanMs} ms, none refused\n`);
  }, 30_000);
});
