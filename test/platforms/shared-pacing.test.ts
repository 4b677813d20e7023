/**
 * Two instances of the service (one MariaDB database, one Redis) send to one chat at once, against the Feishu and
 * Slack fakes (which answer as the platforms do when their limits are passed: Feishu 230020 / HTTP 429 99991400,
 * Slack HTTP 429 `ratelimited`). With the pacing shared on Redis the fakes record no rate-limit answer, the calls to
 * the chat stay within the platform's rate, every card ends up showing its incident's latest state, and a page goes
 * before the cards queued on the other instance. Redis cut mid-burst: each instance paces on its own (logged and
 * counted), nothing fails or is lost, and pacing is shared again once Redis is back.
 */
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../../src/config/config.js';
import { renderFeishuIncidentCard } from '../../src/platforms/feishu/feishu-card.renderer.js';
import { renderSlackIncidentMessage } from '../../src/platforms/slack/slack-message.renderer.js';
import { startFakeFeishu, type FakeFeishu, type FakeRequest } from '../fakes/feishu-open-api.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-web-api.js';
import { newFeishuApp, sleep, waitUntil } from '../support/escalation-helpers.js';
import { createIntegration, incidentsOfChannel } from '../support/feishu-helpers.js';
import type { TestService } from '../support/test-service.js';
import { mostWithin } from '../support/rate-window.js';
import { TwoInstances } from '../support/two-instances.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
/**
 * Turns are handed out on Redis' clock; the fake stamps a request when it arrives, a few ms of network and event loop
 * later, which differ from call to call. Two posts a second apart may arrive 990 ms apart.
 */
const LATENCY_JITTER_MS = 50;

describe('two instances pacing one Feishu chat', () => {
  const world = new TwoInstances();
  let fake: FakeFeishu;
  let a: TestService;
  let b: TestService;

  beforeAll(async () => {
    fake = await startFakeFeishu({ apps: {} });
    [a, b] = await world.start('shared_pacing_feishu', { feishu: newFeishuApp(fake).config } as Partial<AppConfig>);
  });

  afterAll(async () => {
    await world.stop();
    await fake?.close();
  });

  /** A channel whose alerts with one title make one incident, bound to a new group chat. */
  async function boundChat(): Promise<{ chatId: string; path: string; channelId: number }> {
    const integration = await createIntegration(a, { pushMode: 'by_title' });
    const chat = fake.state.addChat({ name: `room ${hex(3)}` });
    const binding = await a.api('POST', '/chat-bindings', { platform: 'feishu', chatId: chat.chatId, channelId: integration.channelId, chatName: chat.name });
    expect(binding.status).toBe(201);
    return { chatId: chat.chatId, path: integration.path, channelId: integration.channelId };
  }

  /** Sends (posts, texts) and card updates made to the chat, as the fake received them. */
  function callsTo(chatId: string): { sends: FakeRequest[]; updates: FakeRequest[] } {
    const sends = fake.state.requestsTo('/open-apis/im/v1/messages', 'POST').filter((request) => (request.body as any)?.receive_id === chatId);
    const updates = fake.state
      .requestsTo('/open-apis/im/v1/messages/', 'PATCH')
      .filter((request) => fake.state.messages.get(request.path.split('/')[5])?.chatId === chatId);
    return { sends, updates };
  }

  const refused = (request: FakeRequest) => request.status === 429 || request.code === 230020 || request.code === 99991400;

  /** Every incident of the channel has one card in the chat, showing what its latest state renders to. */
  async function everyCardCurrent(channelId: number, chatId: string, incidents: number): Promise<true | undefined> {
    const listed = await incidentsOfChannel(a, channelId);
    const cards = fake.state.cardsInChat(chatId);
    if (listed.length !== incidents || cards.length !== incidents) return undefined;
    for (const incident of listed) {
      const expected = renderFeishuIncidentCard(await a.services.views.build(incident.id));
      if (!cards.some((card) => JSON.stringify(card.content) === JSON.stringify(expected))) return undefined;
    }
    return true;
  }

  it('a burst from both instances: no rate-limit answer, within 5 a second, the last state shown, the page first', async () => {
    const { chatId, path, channelId } = await boundChat();
    const titles = Array.from({ length: 12 }, (_, i) => `Disk full on db-${i}`);
    await world.alerts(path, titles);
    // 12 cards are queued on the two instances now; a page from the second goes before those still waiting.
    const pageAsked = Date.now();
    const feishuOnB = b.platforms.find((platform) => platform.name === 'feishu')!.destination.capabilities.notices!;
    await feishuOnB.sendChatNotice(chatId, 'PAGE: Disk full on db-0, level 1', []);
    const pageTook = Date.now() - pageAsked;
    // Repeats of the alerts, again from both: each card is updated (coalesced) to show the new counts.
    await world.alerts(path, [...titles, ...titles.slice(0, 6)]);
    await waitUntil('every card showing its incident as it is now', () => everyCardCurrent(channelId, chatId, titles.length), 60_000);

    const { sends, updates } = callsTo(chatId);
    expect([...sends, ...updates].filter(refused)).toEqual([]);
    expect(fake.state.requests.filter(refused)).toEqual([]);
    // Feishu: 5 a second per chat. We pace the chat (sends and updates) at 4 a second over both instances.
    expect(mostWithin(sends.map((request) => request.at), 1000)).toBeLessThanOrEqual(5);
    expect(mostWithin([...sends, ...updates].map((request) => request.at), 1000)).toBeLessThanOrEqual(5);
    expect(updates.length).toBeGreaterThan(0);

    const page = sends.find((request) => JSON.stringify((request.body as any).content).includes('PAGE: Disk full'))!;
    const cardsAfterPage = sends.filter((request) => (request.body as any).msg_type === 'interactive' && request.at > page.at);
    expect(pageTook).toBeLessThan(1000);
    expect(cardsAfterPage.length).toBeGreaterThanOrEqual(6);

    for (const metrics of await world.pacingMetrics()) expect(metrics).toEqual({ shared: 1, toLocal: 0, toShared: 0, cardFailures: 0 });
  }, 90_000);

  it('Redis cut mid-burst: each instance paces on its own, nothing fails or is lost; shared again once Redis is back', async () => {
    const { chatId, path, channelId } = await boundChat();
    const titles = Array.from({ length: 10 }, (_, i) => `CPU high on web-${i}`);
    await world.alerts(path, titles.slice(0, 5));
    await sleep(300);
    world.proxy.cut();
    await world.alerts(path, [...titles.slice(5), ...titles.slice(0, 5)]);
    await waitUntil('every card current during the outage', () => everyCardCurrent(channelId, chatId, titles.length), 60_000);
    let metrics = await world.pacingMetrics();
    for (const instance of metrics) expect(instance).toMatchObject({ shared: 0, toLocal: 1, toShared: 0, cardFailures: 0 });

    world.proxy.restore();
    await waitUntil('Redis connected again', () => (a.redis?.status === 'ready' && b.redis?.status === 'ready' ? true : undefined), 10_000);
    await sleep(1100); // past the second an instance waits before asking Redis again
    await world.alerts(path, [...titles, ...titles]);
    await waitUntil('every card current after the outage', () => everyCardCurrent(channelId, chatId, titles.length), 60_000);
    metrics = await world.pacingMetrics();
    for (const instance of metrics) expect(instance).toEqual({ shared: 1, toLocal: 1, toShared: 1, cardFailures: 0 });
  }, 90_000);
});

describe('two instances pacing one Slack channel and the workspace', () => {
  const world = new TwoInstances();
  let fake: FakeSlack;
  let a: TestService;
  /** What the service and the fake both take as the workspace's update limit (small, so the test is short). */
  const updateLimit = { perMinute: 60, burst: 3 };

  beforeAll(async () => {
    fake = await startFakeSlack({ botToken: 'xoxb-pacing', updateLimit });
    const slack = { botToken: 'xoxb-pacing', signingSecret: hex(16), connection: 'http', apiUrl: fake.url, updateLimit };
    [a] = await world.start('shared_pacing_slack', { slack } as Partial<AppConfig>);
  });

  afterAll(async () => {
    await world.stop();
    await fake?.close();
  });

  it('posts at 1 a second per channel and updates within the workspace limit, with no 429, the last state shown', async () => {
    const integration = await createIntegration(a, { pushMode: 'by_title' });
    const channel = fake.state.addChannel({ name: `sre-${hex(3)}` });
    expect((await a.api('POST', '/chat-bindings', { platform: 'slack', chatId: channel.id, channelId: integration.channelId, chatName: channel.name })).status).toBe(201);
    const titles = Array.from({ length: 4 }, (_, i) => `Queue backlog ${i}`);
    await world.alerts(integration.path, titles);
    await sleep(500);
    await world.alerts(integration.path, [...titles, ...titles]);

    await waitUntil(
      'every message showing its incident as it is now',
      async () => {
        const listed = await incidentsOfChannel(a, integration.channelId);
        const messages = fake.state.messagesIn(channel.id);
        if (listed.length !== titles.length || messages.length !== titles.length) return undefined;
        for (const incident of listed) {
          const expected = renderSlackIncidentMessage(await a.services.views.build(incident.id));
          if (!messages.some((message) => JSON.stringify(message.blocks) === JSON.stringify(expected.blocks))) return undefined;
        }
        return true;
      },
      60_000,
    );
    const posts = fake.state.requestsTo('chat.postMessage').filter((request) => request.args.channel === channel.id);
    const updates = fake.state.requestsTo('chat.update');
    expect(fake.state.requests.filter((request) => request.status === 429)).toEqual([]);
    expect(posts).toHaveLength(titles.length);
    // One post a second to the channel (a burst of one), whichever instance posts.
    expect(mostWithin(posts.map((request) => request.at), 1000 - LATENCY_JITTER_MS)).toBeLessThanOrEqual(1);
    expect(updates.length).toBeGreaterThan(0);
    // The workspace's updates: its burst, then its rate.
    expect(mostWithin(updates.map((request) => request.at), 1000)).toBeLessThanOrEqual(updateLimit.burst + 1);
    for (const metrics of await world.pacingMetrics()) expect(metrics).toEqual({ shared: 1, toLocal: 0, toShared: 0, cardFailures: 0 });
  }, 90_000);
});
