/**
 * A platform's "slow down" holds every instance, not only the one that got it. Two instances of the service (one
 * MariaDB database, one Redis), against the fakes: a Slack 429 with Retry-After 2 for a channel, answered to the
 * first instance, keeps the second one's next post to that channel until the hold ends, while another channel goes
 * on; the same for a Telegram group bot's 429 `retry_after`; a message template that blew a limit on the first
 * instance is skipped by the second. Redis cut: a hold is the instance's own again — the other instance is not held,
 * nothing waits on Redis, nothing fails.
 */
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../../src/config/config.js';
import { startFakeSlack, type FakeSlack, type FakeSlackRequest } from '../fakes/slack-web-api.js';
import { startFakeWebhookBots, type FakeBot, type FakeWebhookBots } from '../fakes/webhook-bots.js';
import { sleep, waitUntil } from '../support/escalation-helpers.js';
import { createIntegration } from '../support/feishu-helpers.js';
import { scrape, valueOf } from '../support/prometheus-text.js';
import type { TestService } from '../support/test-service.js';
import { TwoInstances } from '../support/two-instances.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
/** A request is stamped by the fake when it arrives; the hold's end is counted on Redis' clock a few ms apart. */
const JITTER_MS = 50;
const HOLD_MS = 2000;

describe('two instances share a platform hold', () => {
  const world = new TwoInstances();
  let slack: FakeSlack;
  let bots: FakeWebhookBots;
  let a: TestService;
  let b: TestService;

  beforeAll(async () => {
    slack = await startFakeSlack({ botToken: 'xoxb-holds' });
    bots = await startFakeWebhookBots();
    const config = { slack: { botToken: 'xoxb-holds', signingSecret: hex(16), connection: 'http', apiUrl: slack.url } } as Partial<AppConfig>;
    [a, b] = await world.start('shared_holds', config);
  });

  afterAll(async () => {
    await world.stop();
    await slack?.close();
    await bots?.close();
  });

  const slackNotices = (service: TestService) => service.platforms.find((platform) => platform.name === 'slack')!.destination.capabilities.notices!;
  const postsWith = (text: string): FakeSlackRequest[] => slack.state.requestsTo('chat.postMessage').filter((request) => String(request.args.text).includes(text));
  const refusedPost = (channel: string) => waitUntil('the 429', () => slack.state.requestsTo('chat.postMessage').find((request) => request.status === 429 && request.args.channel === channel), 5000);

  async function holds(service: TestService, labels: Record<string, string>): Promise<number> {
    return valueOf(await scrape(service.url), 'oncall_rate_limit_holds_total', labels);
  }

  it("a Slack 429 for a channel on one instance holds the other's next post there until it ends; another channel goes on", async () => {
    const held = slack.state.addChannel({ name: `held-${hex(3)}` });
    const other = slack.state.addChannel({ name: `other-${hex(3)}` });
    slack.state.rateLimitNext('chat.postMessage', HOLD_MS / 1000, { match: (args) => args.channel === held.id });

    const fromA = slackNotices(a).sendChatNotice(held.id, 'first from A', []);
    const refused = await refusedPost(held.id);
    // Published beside the channel's bucket on Redis.
    await waitUntil('the hold on Redis', async () => ((await a.redis!.keys(`pace:{slack:*:channel:${held.id}}:hold`)).length === 1 ? true : undefined), 1000);

    await slackNotices(b).sendChatNotice(other.id, 'elsewhere from B', []);
    await slackNotices(b).sendChatNotice(held.id, 'second from B', []);
    await fromA;

    const [elsewhere] = postsWith('elsewhere from B');
    const [second] = postsWith('second from B');
    const retried = postsWith('first from A').find((request) => request.status === 200)!;
    expect(elsewhere.at - refused.at).toBeLessThan(HOLD_MS / 2);
    expect(second.at).toBeGreaterThanOrEqual(refused.at + HOLD_MS - JITTER_MS);
    expect(retried.at).toBeGreaterThanOrEqual(refused.at + HOLD_MS - JITTER_MS);
    expect(slack.state.requestsTo('chat.postMessage').filter((request) => request.status === 429)).toHaveLength(1);

    expect(await holds(a, { platform: 'slack', scope: 'retry_after', pacing: 'shared' })).toBe(1);
    expect(await holds(b, { platform: 'slack', scope: 'held', pacing: 'shared' })).toBe(1);
    expect(await holds(b, { platform: 'slack', scope: 'retry_after', pacing: 'shared' })).toBe(0);
  }, 30_000);

  it("a Telegram bot's 429 retry_after on one instance holds that bot on the other; another bot goes on", async () => {
    const integration = await createIntegration(a, {});
    const addBot = async (bot: FakeBot) => {
      const answer = await a.api('POST', `/channels/${integration.channelId}/bots`, { name: `tg-${hex(2)}`, kind: 'telegram', url: bot.url, chatId: bot.chatId, events: ['triggered'] });
      expect(answer.status).toBe(201);
      return answer.body.id as number;
    };
    const heldBot = bots.state.addBot('telegram');
    const otherBot = bots.state.addBot('telegram');
    const heldId = await addBot(heldBot);
    const otherId = await addBot(otherBot);
    const requestsOf = (bot: FakeBot) => bots.state.requests.filter((request) => request.botId === bot.id);
    // One message per chat in 2 s: the second is refused with retry_after 2.
    bots.state.limits.telegram = { count: 1, ms: HOLD_MS };

    expect((await a.api('POST', `/bots/${heldId}/test`, {})).body.ok).toBe(true);
    const refusedAnswer = await a.api('POST', `/bots/${heldId}/test`, {});
    expect(refusedAnswer.body).toMatchObject({ ok: false, error: { kind: 'rate_limited', code: 429 } });
    const refused = requestsOf(heldBot)[1];
    expect(refused.status).toBe(429);
    bots.state.limits.enabled = false;

    expect((await b.api('POST', `/bots/${otherId}/test`, {})).body.ok).toBe(true);
    expect((await b.api('POST', `/bots/${heldId}/test`, {})).body.ok).toBe(true);
    const [elsewhere] = requestsOf(otherBot);
    const afterHold = requestsOf(heldBot)[2];
    expect(elsewhere.at - refused.at).toBeLessThan(HOLD_MS / 2);
    expect(afterHold.at).toBeGreaterThanOrEqual(refused.at + HOLD_MS - JITTER_MS);
    expect(afterHold.status).toBe(200);
    expect(await holds(a, { platform: 'bot:telegram', scope: 'retry_after', pacing: 'shared' })).toBe(1);
    expect(await holds(b, { platform: 'bot:telegram', scope: 'held', pacing: 'shared' })).toBe(1);
  }, 30_000);

  it('a message template that blew a limit on one instance is skipped by the other', async () => {
    const integration = await createIntegration(a, {});
    const bot = bots.state.addBot('telegram');
    const created = await a.api('POST', `/channels/${integration.channelId}/bots`, { name: `tg-${hex(2)}`, kind: 'telegram', url: bot.url, chatId: bot.chatId, events: ['triggered'] });
    const runaway = 'loop {% for i in (1..100000000) %}{{ i }}{% endfor %}';
    expect((await a.api('PUT', `/channels/${integration.channelId}/templates/telegram/test`, { source: runaway })).status).toBe(201);
    const shown = async (service: TestService) => (await service.api('GET', `/channels/${integration.channelId}/templates/telegram/test`)).body;
    expect((await shown(b)).skipped).toBeNull();

    // Rendered on A: the limit stops it, the built-in test message goes instead, and the template sits out 5 minutes.
    expect((await a.api('POST', `/bots/${created.body.id}/test`, {})).body.ok).toBe(true);
    const onB = await shown(b);
    expect(onB.skipped).toEqual({ until: expect.any(String), error: { message: 'memory alloc limit exceeded', line: 1, column: expect.any(Number) } });
    expect(Date.parse(onB.skipped.until)).toBeGreaterThan(Date.now() + 4 * 60_000);
    expect(Date.parse(onB.skipped.until)).toBeLessThanOrEqual(Date.now() + 5 * 60_000 + 1000);

    // B sends the built-in message too.
    expect((await b.api('POST', `/bots/${created.body.id}/test`, {})).body.ok).toBe(true);
    const delivered = bots.state.delivered.filter((message) => message.botId === bot.id);
    expect(delivered).toHaveLength(2);
    // The built-in test message, not the runaway's output ("loop 12345678…"; the channel's own name may hold digits).
    for (const message of delivered) {
      expect(message.text).toMatch(/^Test message from oncall-im/);
      expect(message.text).not.toContain('loop');
    }
  }, 30_000);

  it('Redis cut: a 429 holds only the instance that got it; the other is not held, nothing waits on Redis or fails', async () => {
    const channel = slack.state.addChannel({ name: `cut-${hex(3)}` });
    slack.state.rateLimitNext('chat.postMessage', HOLD_MS / 1000, { match: (args) => args.channel === channel.id });
    world.proxy.cut();
    await waitUntil('Redis gone on both', () => (a.redis?.status !== 'ready' && b.redis?.status !== 'ready' ? true : undefined), 5000);

    const fromA = slackNotices(a).sendChatNotice(channel.id, 'outage first from A', []);
    const refused = await refusedPost(channel.id);
    await sleep(50);
    await slackNotices(b).sendChatNotice(channel.id, 'outage second from B', []);
    await fromA;

    const [fromB] = postsWith('outage second from B');
    const retried = postsWith('outage first from A').find((request) => request.status === 200)!;
    // B paces on its own and knows of no hold; A waited its own out.
    expect(fromB.at - refused.at).toBeLessThan(HOLD_MS / 2);
    expect(retried.at).toBeGreaterThanOrEqual(refused.at + HOLD_MS - JITTER_MS);
    expect(await holds(a, { platform: 'slack', scope: 'retry_after', pacing: 'local' })).toBe(1);

    world.proxy.restore();
    await waitUntil('Redis connected again', () => (a.redis?.status === 'ready' && b.redis?.status === 'ready' ? true : undefined), 10_000);
  }, 30_000);
});
