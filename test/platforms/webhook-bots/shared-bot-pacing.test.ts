/**
 * Two instances' bot senders (each with its pacing on its own Redis connection) posting to one Feishu group bot at
 * once, against the fake webhooks with Feishu's real limits (5 a second, 100 a minute, refused with 11232): sharing
 * the bot's buckets keeps them to one rate together — no refusal — and every message arrives once.
 */
import { Redis } from 'ioredis';
import { createLogger } from '../../../src/lib/logger.js';
import { SharedPacing } from '../../../src/lib/shared-pacing.js';
import type { BotNotice } from '../../../src/platforms/webhook-bots/bot-kind.js';
import { WebhookBotSender } from '../../../src/platforms/webhook-bots/webhook-bot-sender.js';
import { startFakeWebhookBots, type FakeWebhookBots } from '../../fakes/webhook-bots.js';
import { REDIS_TEST_URL } from '../../support/databases.js';
import { mostWithin } from '../../support/rate-window.js';

const PREFIX = `test-bot-pacing-${process.pid}:`;

const notice = (n: number): BotNotice => ({ title: `[P1] Disk full ${n}`, lines: ['Severity: Critical'], mentions: [] });

describe('group bots paced across instances', () => {
  let fake: FakeWebhookBots;
  const clients: Redis[] = [];

  beforeAll(async () => {
    fake = await startFakeWebhookBots();
  });
  afterAll(async () => {
    await fake?.close();
    for (const client of clients) client.disconnect();
  });

  async function instance(): Promise<WebhookBotSender> {
    const redis = new Redis(REDIS_TEST_URL);
    clients.push(redis);
    await new Promise((resolve) => redis.once('ready', resolve));
    const pacing = new SharedPacing(redis, createLogger('silent'), () => undefined, { keyPrefix: PREFIX });
    return new WebhookBotSender({ pacing, retryBaseMs: 20, retryCapMs: 200 });
  }

  it('two senders to one Feishu bot stay within its 5 a second together: nothing refused, each message once', async () => {
    const senders = [await instance(), await instance()];
    const bot = fake.state.addBot('feishu');
    const target = { url: bot.url, secret: bot.secret, keyword: bot.keyword };
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, n) => senders[n % 2].send('feishu', target, notice(n), { key: `bot-${bot.id}`, attempts: 1 })),
    );
    expect(results.filter((result) => !result.ok)).toEqual([]);
    const requests = fake.state.requests.filter((request) => request.botId === bot.id);
    expect(requests.filter((request) => request.answer.includes('11232'))).toEqual([]);
    expect(requests).toHaveLength(12);
    expect(mostWithin(requests.map((request) => request.at), 1000)).toBeLessThanOrEqual(5);
    const texts = fake.state.delivered.filter((message) => message.botId === bot.id).map((message) => message.text);
    for (let n = 0; n < 12; n++) expect(texts.filter((text) => new RegExp(`Disk full ${n}\\b`).test(text))).toHaveLength(1);
  }, 30_000);
});
