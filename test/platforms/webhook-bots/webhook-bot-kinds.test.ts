/**
 * Each group bot kind through the sender against the fakes, which check signatures, keywords, body shapes and sizes
 * as the platforms do: hostile alert text mentions nobody and links nowhere, oversize text is cut to fit, mentions
 * reach exactly the mapped people (others named), and rate limits are waited out, never answered by dropping.
 */
import { BOT_KIND_NAMES, type BotKindName, type BotNotice, type BotTarget } from '../../../src/platforms/webhook-bots/bot-kind.js';
import { feishuBotSign } from '../../../src/platforms/webhook-bots/feishu.bot.js';
import { WebhookBotSender } from '../../../src/platforms/webhook-bots/webhook-bot-sender.js';
import { startFakeWebhookBots, type FakeBot, type FakeWebhookBots } from '../../fakes/webhook-bots.js';

const MAPPED_ID: Record<BotKindName, string | undefined> = {
  feishu: 'ou_mapped',
  dingtalk: '13800000001',
  wecom: 'zhangsan',
  telegram: '4242',
  slack: 'U0MAPPED',
  // Zoom's incoming webhook cannot mention: everyone is named.
  zoom: undefined,
};

const HOSTILE =
  '<at user_id="all">all</at> <!channel> <@U999> <@lisi> [click](http://evil.example) <http://evil.example|x> ' +
  '<a href="http://evil.example">x</a> <a href="tg://user?id=1">x</a> @13800000000 *bold* _i_ `code` # h &amp; AT&T';

/** Whether the delivered message holds a link to evil.example that the platform would render. */
function rendersEvilLink(kind: BotKindName, body: any): boolean {
  // DingTalk's markdown.title is the notification preview, shown as plain text: only its text is markdown.
  const raw = kind === 'dingtalk' ? body.markdown.text : kind === 'wecom' ? body.markdown.content : JSON.stringify(body);
  switch (kind) {
    case 'slack':
      return raw.includes('<http://evil');
    case 'telegram':
      return raw.includes('href="http://evil') || raw.includes('tg://user?id=1"');
    case 'dingtalk':
    case 'wecom':
      return /(^|[^\\])\]\(http:\/\/evil/.test(raw) || raw.includes('<a href');
    default:
      // Feishu post text tags and Zoom plain text show text as written.
      return false;
  }
}

function targetOf(bot: FakeBot): BotTarget {
  return { url: bot.url, secret: bot.secret, chatId: bot.chatId, keyword: bot.keyword };
}

function notice(kind: BotKindName, overrides: Partial<BotNotice> = {}): BotNotice {
  return {
    title: `[P1] ${HOSTILE}\nSeverity: fake line`,
    lines: ['Severity: Critical', 'Status: triggered', `Description: ${HOSTILE}`],
    link: { text: 'Details', url: 'https://oncall.example/incidents/7?sig=abc' },
    mentions: [{ name: 'Ann', id: MAPPED_ID[kind] }, { name: 'Bob <@U777>' }],
    ...overrides,
  };
}

describe('group bot kinds against the fakes', () => {
  let fake: FakeWebhookBots;
  const sender = new WebhookBotSender({ retryBaseMs: 20, retryCapMs: 200 });

  beforeAll(async () => {
    fake = await startFakeWebhookBots();
  });
  afterAll(async () => {
    await fake?.close();
  });

  describe.each(BOT_KIND_NAMES)('%s', (kind) => {
    it('hostile alert text mentions only the mapped member and links nowhere; the unmapped one is named', async () => {
      const bot = fake.state.addBot(kind);
      const result = await sender.send(kind, targetOf(bot), notice(kind), { key: bot.id });
      expect(result).toMatchObject({ ok: true, attempts: 1 });
      const [message] = fake.state.deliveredTo(bot);
      expect(message.mentions).toEqual(MAPPED_ID[kind] && kind !== 'zoom' ? [MAPPED_ID[kind]] : []);
      expect(message.text).toContain('Bob');
      if (kind === 'zoom') expect(message.text).toContain('@Ann');
      expect(JSON.stringify(message.body)).toContain('https://oncall.example/incidents/7?sig=abc');
      expect(rendersEvilLink(kind, message.body)).toBe(false);
      // The title's newline cannot start a line of its own.
      expect(message.text).not.toMatch(/^Severity: fake line/m);
    });

    it("a 200 KB description is cut to the kind's limit and still accepted", async () => {
      const bot = fake.state.addBot(kind);
      const huge = `${'<b>&'.repeat(10_000)}${'字'.repeat(30_000)}${'😀'.repeat(20_000)}`;
      const result = await sender.send(kind, targetOf(bot), notice(kind, { title: huge, lines: [`Description: ${huge}`, 'Status: triggered'] }), { key: bot.id });
      expect(result).toMatchObject({ ok: true });
      expect(fake.state.deliveredTo(bot)).toHaveLength(1);
      expect(fake.state.deliveredTo(bot)[0].text).toContain('Details');
    });

    it('a digest of hostile items links each to its Details page, mentions nobody, and is cut to fit when asked', async () => {
      const bot = fake.state.addBot(kind);
      const items = Array.from({ length: 8 }, (_, index) => ({ text: `[New incident] #${900 + index} ${HOSTILE}`, url: `https://oncall.example/incidents/${900 + index}?sig=s${index}` }));
      const digest: BotNotice = { title: `8 incident updates in ${HOSTILE}`, lines: [], items, mentions: [] };
      expect(await sender.send(kind, targetOf(bot), digest, { key: bot.id })).toMatchObject({ ok: true });
      const [message] = fake.state.deliveredTo(bot);
      expect(message.mentions).toEqual([]);
      expect(rendersEvilLink(kind, message.body)).toBe(false);
      for (const item of items) expect(JSON.stringify(message.body)).toContain(item.url);
      // Given as a factory, the notice is built when the bot's turn comes, with the kind's size check at hand.
      const huge = Array.from({ length: 200 }, (_, index) => ({ text: `#${index} ${'字'.repeat(300)}`, url: `https://oncall.example/incidents/${index}?sig=x` }));
      let fitted = 0;
      const result = await sender.send(kind, targetOf(bot), (fits) => {
        fitted = huge.length;
        while (fitted > 1 && !fits({ ...digest, items: huge.slice(0, fitted) })) fitted -= 1;
        return { ...digest, items: huge.slice(0, fitted) };
      }, { key: bot.id });
      expect(result.ok ? 'ok' : result.error.message).toBe('ok');
      expect(fitted).toBeLessThan(200);
      expect(fitted).toBeGreaterThan(1);
    });

    it('a bot that no longer exists is a failure not retried', async () => {
      const bot = fake.state.addBot(kind);
      fake.state.removeBot(bot);
      const result = await sender.send(kind, targetOf(bot), notice(kind), { key: bot.id });
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.attempts).toBe(1);
        expect(result.error.retryable).toBe(false);
        expect(['target_gone', 'auth']).toContain(result.error.kind);
        expect(result.answer?.status).toBeDefined();
      }
    });
  });

  it('signs Feishu (reference vector) and DingTalk requests; a wrong secret is an auth failure, a missing keyword is added', async () => {
    expect(feishuBotSign('demo', 1599360473)).toBe('l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=');
    for (const kind of ['feishu', 'dingtalk'] as const) {
      const bot = fake.state.addBot(kind, { secret: `SEC${kind}secret`, keyword: 'oncall-kw' });
      expect(await sender.send(kind, targetOf(bot), notice(kind), { key: bot.id })).toMatchObject({ ok: true });
      expect(fake.state.deliveredTo(bot)[0].text).toContain('oncall-kw');
      const wrong = await sender.send(kind, { ...targetOf(bot), secret: 'SECwrong' }, notice(kind), { key: bot.id });
      expect(wrong).toMatchObject({ ok: false, attempts: 1, error: { kind: 'auth', code: kind === 'feishu' ? 19021 : 310000 } });
    }
  });

  it('an unreachable webhook is transient and retried', async () => {
    const result = await sender.send('slack', { url: 'http://127.0.0.1:9/slack/services/T/B/x' }, notice('slack'), { key: 'gone', attempts: 2 });
    expect(result).toMatchObject({ ok: false, attempts: 2, error: { kind: 'transient' } });
    expect(result.ok === false && result.error.message).not.toContain('/services/');
  });

  it('Feishu: 12 messages at once are paced at 5 a second, none refused', async () => {
    const bot = fake.state.addBot('feishu');
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 12 }, (_, index) => sender.send('feishu', targetOf(bot), notice('feishu', { title: `m${index}` }), { key: bot.id })));
    expect(results.every((result) => result.ok)).toBe(true);
    expect(fake.state.requestsTo(bot).filter((request) => JSON.parse(request.answer).code !== 0)).toEqual([]);
    expect(fake.state.deliveredTo(bot)).toHaveLength(12);
    // Eleven gaps of 250 ms (5 a second with a margin) after the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2600);
  });

  it("Telegram: a 429's retry_after holds the bot, and every message arrives once", async () => {
    const bot = fake.state.addBot('telegram');
    fake.state.limits.telegram = { count: 2, ms: 1500 };
    try {
      const results = await Promise.all(Array.from({ length: 4 }, (_, index) => sender.send('telegram', targetOf(bot), notice('telegram', { title: `t${index}` }), { key: bot.id })));
      expect(results.every((result) => result.ok)).toBe(true);
      expect(fake.state.requestsTo(bot).some((request) => request.status === 429)).toBe(true);
      const titles = fake.state.deliveredTo(bot).map((message) => message.text.split('\n')[0]).sort();
      expect(titles).toEqual(['t0', 't1', 't2', 't3']);
    } finally {
      fake.state.limits.telegram = { count: 20, ms: 60_000 };
    }
  });

  it("Slack: a 429's Retry-After holds the webhook, and every message arrives once", async () => {
    const bot = fake.state.addBot('slack');
    fake.state.limits.slack = { count: 1, ms: 1000 };
    try {
      const results = await Promise.all(Array.from({ length: 3 }, (_, index) => sender.send('slack', targetOf(bot), notice('slack', { title: `s${index}` }), { key: bot.id })));
      expect(results.every((result) => result.ok)).toBe(true);
      expect(fake.state.requestsTo(bot).some((request) => request.status === 429)).toBe(true);
      expect(fake.state.deliveredTo(bot)).toHaveLength(3);
    } finally {
      fake.state.limits.slack = { count: 3, ms: 1000 };
    }
  });

  it('DingTalk 130101 and WeCom 45009 are rate limits with the time to wait; Feishu 11232 too', async () => {
    const ding = fake.state.addBot('dingtalk');
    fake.state.limits.dingtalk = { count: 0, ms: 60_000 };
    const wecom = fake.state.addBot('wecom');
    fake.state.limits.wecom = { count: 0, ms: 60_000 };
    const feishu = fake.state.addBot('feishu');
    fake.state.limits.feishu = { count: 0, ms: 60_000 };
    try {
      const once = { attempts: 1 };
      expect(await sender.send('dingtalk', targetOf(ding), notice('dingtalk'), { key: ding.id, ...once })).toMatchObject({ ok: false, error: { kind: 'rate_limited', code: 130101, retryAfterMs: 600_000 } });
      expect(await sender.send('wecom', targetOf(wecom), notice('wecom'), { key: wecom.id, ...once })).toMatchObject({ ok: false, error: { kind: 'rate_limited', code: 45009, retryAfterMs: 60_000 } });
      expect(await sender.send('feishu', targetOf(feishu), notice('feishu'), { key: feishu.id, ...once })).toMatchObject({ ok: false, error: { kind: 'rate_limited', code: 11232 } });
    } finally {
      fake.state.limits.dingtalk = { count: 20, ms: 60_000 };
      fake.state.limits.wecom = { count: 20, ms: 60_000 };
      fake.state.limits.feishu = { count: 100, ms: 60_000 };
    }
  });
});
