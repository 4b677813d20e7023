/**
 * An alert storm on one channel with a bot of each kind subscribed: 200 incidents through the Feishu-compatible
 * endpoint, the fakes enforcing each kind's real rate limit. Notices that queue up for a bot are coalesced into digests
 * that fit the kind's size limit, so every incident is announced exactly once, nothing is refused, and nothing waits
 * for the per-minute limits to let 200 single messages through.
 */
import { BOT_KIND_NAMES } from '../../../src/domain/bot-kind-name.js';
import { createIntegration } from '../../support/feishu-helpers.js';
import { randomHex, waitFor } from '../../support/feishu-app-helpers.js';
import { startTestService, type TestService } from '../../support/test-service.js';
import { startFakeWebhookBots, type FakeBot, type FakeWebhookBots } from '../../fakes/webhook-bots.js';

const STORM = 200;

describe('a storm of 200 incidents to one bot of each kind', () => {
  let service: TestService;
  let fake: FakeWebhookBots;

  beforeAll(async () => {
    fake = await startFakeWebhookBots();
    service = await startTestService('mariadb', 'bot_storm');
  });
  afterAll(async () => {
    await service?.stop();
    await fake?.close();
  });

  it('announces every incident exactly once on every kind, under each kind’s limit', async () => {
    const integration = await createIntegration(service);
    const bots: Array<{ fake: FakeBot; id: number }> = [];
    for (const kind of BOT_KIND_NAMES) {
      const bot = fake.state.addBot(kind, kind === 'dingtalk' ? { secret: `SEC${randomHex(16)}`, keyword: 'oncall' } : {});
      const created = await service.api('POST', `/channels/${integration.channelId}/bots`, { name: kind, kind, url: bot.url, secret: bot.secret, chatId: bot.chatId, keyword: bot.keyword, events: ['triggered'] });
      expect(created.status).toBe(201);
      bots.push({ fake: bot, id: created.body.id });
    }
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: STORM }, (_, index) => service.post(integration.path, { msg_type: 'text', content: { text: `storm ${index} 字` } }).then((answer) => answer.body.code)),
    );
    expect(answers.every((code) => code === 0)).toBe(true);
    const ids: number[] = [];
    for (let before = ''; ids.length < STORM; ) {
      const page = (await service.api('GET', `/incidents?channelId=${integration.channelId}&limit=100${before}`)).body;
      ids.push(...page.items.map((item: any) => item.id));
      if (!page.nextBefore) break;
      before = `&before=${page.nextBefore}`;
    }
    expect(ids).toHaveLength(STORM);

    // DingTalk's markdown.title and Slack's fallback text repeat a single notice's title: count the message itself.
    const shownText = (kind: string, message: { text: string; body: any }) =>
      kind === 'dingtalk' ? message.body.markdown.text : kind === 'slack' ? message.body.blocks[0].text.text : message.text;
    const announced = (bot: FakeBot) => fake.state.deliveredTo(bot).flatMap((message) => [...shownText(bot.kind, message).matchAll(/#(\d+) /g)].map((match) => Number(match[1])));
    for (const { fake: bot } of bots) await waitFor(`${bot.kind} to announce all`, () => (announced(bot).length >= STORM ? true : undefined), 60_000);
    await service.services.botDeliveries.idle();
    const elapsed = Date.now() - started;

    for (const { fake: bot, id } of bots) {
      const seen = announced(bot);
      expect({ kind: bot.kind, count: seen.length, distinct: new Set(seen).size }).toEqual({ kind: bot.kind, count: STORM, distinct: STORM });
      expect(new Set(seen)).toEqual(new Set(ids));
      // Nothing refused: no rate-limit answer, no size refusal.
      expect({ kind: bot.kind, refused: fake.state.requestsTo(bot).filter((request) => request.status !== 200 || /"(code|errcode)":[1-9]/.test(request.answer) || request.answer.includes('"ok":false')).length }).toEqual({ kind: bot.kind, refused: 0 });
      const records = (await service.api('GET', `/bots/${id}/deliveries`)).body.items;
      expect(records.every((record: any) => record.status === 'sent' && record.event === 'triggered')).toBe(true);
      // eslint-disable-next-line no-console
      console.log(`${bot.kind}: ${STORM} incidents in ${fake.state.deliveredTo(bot).length} messages`);
    }
    // eslint-disable-next-line no-console
    console.log(`all kinds done ${elapsed} ms after the storm began`);
  }, 120_000);
});
