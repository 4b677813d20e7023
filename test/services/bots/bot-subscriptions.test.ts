/**
 * Channel subscriptions end to end: alerts in through the Feishu-compatible endpoint, bots set up through the admin
 * API, messages checked by the fake webhooks (signature, keyword, shape). A bot hears exactly the events it chose,
 * with a link to the incident's Details page; every send is recorded with its tries and the platform's answer;
 * rate limits and unreachable webhooks are retried, final failures show in the bot's health.
 */
import { DATABASE_KINDS } from '../../support/databases.js';
import { createIntegration, postMessage } from '../../support/feishu-helpers.js';
import { randomHex, waitFor } from '../../support/feishu-app-helpers.js';
import { startTestService, type TestService } from '../../support/test-service.js';
import { startFakeWebhookBots, type FakeBot, type FakeWebhookBots } from '../../fakes/webhook-bots.js';

const HOSTILE_TITLE = '<at user_id="all">all</at> <!channel> <@U999> [click](http://evil.example) <b>x</b> & db-1 down';

describe.each(DATABASE_KINDS)('bot subscriptions on %s', (kind) => {
  let service: TestService;
  let fake: FakeWebhookBots;

  beforeAll(async () => {
    fake = await startFakeWebhookBots();
    service = await startTestService(kind, 'bot_subs', { botRetry: { attempts: 3, firstDelayMs: 50, maxDelayMs: 200 } });
  });
  afterAll(async () => {
    await service?.stop();
    await fake?.close();
  });

  async function addBot(channelId: number, bot: FakeBot, events: string[], extra: Record<string, unknown> = {}): Promise<any> {
    const body = { name: `${bot.kind}-${randomHex(2)}`, kind: bot.kind, url: bot.url, secret: bot.secret, chatId: bot.chatId, keyword: bot.keyword, events, ...extra };
    const answer = await service.api('POST', `/channels/${channelId}/bots`, body);
    expect(answer.status).toBe(201);
    return answer.body;
  }

  async function alert(path: string, title: string): Promise<any> {
    expect((await service.post(path, postMessage(title, 'disk full'))).body.code).toBe(0);
    return (await service.api('GET', '/incidents?limit=1')).body.items[0];
  }

  const deliveries = async (botId: number) => (await service.api('GET', `/bots/${botId}/deliveries`)).body.items;

  it('each bot gets the events it subscribed to, with the Details link; hostile titles mention nobody', async () => {
    const integration = await createIntegration(service);
    const feishu = fake.state.addBot('feishu', { secret: `fs-${randomHex(8)}`, keyword: 'oncall' });
    const telegram = fake.state.addBot('telegram');
    const slack = fake.state.addBot('slack');
    const feishuBot = await addBot(integration.channelId, feishu, ['triggered', 'acknowledged', 'closed']);
    await addBot(integration.channelId, telegram, ['acknowledged']);
    await addBot(integration.channelId, slack, ['triggered'], { enabled: false });

    const incident = await alert(integration.path, HOSTILE_TITLE);
    const details = service.services.links.detailsUrl(incident.id);
    const triggered = await waitFor('the triggered message', () => fake.state.deliveredTo(feishu)[0]);
    expect(triggered.text).toContain(`[New incident] #${incident.id} ${HOSTILE_TITLE}`);
    expect(triggered.text).toContain('Severity: warning');
    expect(triggered.text).toContain('Status: triggered');
    expect(JSON.stringify(triggered.body)).toContain(JSON.stringify(details).slice(1, -1));
    expect(triggered.mentions).toEqual([]);

    expect((await service.api('POST', `/incidents/${incident.id}/acknowledge`, {})).status).toBe(200);
    const acknowledged = await waitFor('the acknowledged message', () => fake.state.deliveredTo(feishu)[1]);
    expect(acknowledged.text).toContain(`[Acknowledged] #${incident.id}`);
    const onTelegram = await waitFor('telegram', () => fake.state.deliveredTo(telegram)[0]);
    expect(onTelegram.text).toContain(`[Acknowledged] #${incident.id} ${HOSTILE_TITLE}`);
    expect(onTelegram.mentions).toEqual([]);
    await service.services.botDeliveries.idle();
    // Telegram never heard of the trigger, the disabled Slack bot of nothing.
    expect(fake.state.deliveredTo(telegram)).toHaveLength(1);
    expect(fake.state.requestsTo(slack)).toEqual([]);

    const records = await deliveries(feishuBot.id);
    expect(records.map((record: any) => [record.incidentId, record.event, record.status, record.attempts, record.answerStatus])).toEqual([
      [incident.id, 'acknowledged', 'sent', 1, 200],
      [incident.id, 'triggered', 'sent', 1, 200],
    ]);
    expect((await service.api('GET', `/bots/${feishuBot.id}`)).body.health).toMatchObject({ lastSuccessAt: expect.any(String), consecutiveFailures: 0 });
  });

  it("a rate-limit answer is waited out and the message sent again: it arrives once, recorded with its two tries", async () => {
    const integration = await createIntegration(service);
    const telegram = fake.state.addBot('telegram');
    const bot = await addBot(integration.channelId, telegram, ['triggered']);
    fake.state.limits.telegram = { count: 1, ms: 1500 };
    try {
      const first = await alert(integration.path, 'first');
      // The second after the first went out: alone, not coalesced with it, and refused by the window.
      await waitFor('the first message', () => fake.state.deliveredTo(telegram)[0]);
      const second = await alert(integration.path, 'second');
      await waitFor('both messages', () => (fake.state.deliveredTo(telegram).length === 2 ? true : undefined), 8000);
      await service.services.botDeliveries.idle();
      expect(fake.state.requestsTo(telegram).some((request) => request.status === 429)).toBe(true);
      const texts = fake.state.deliveredTo(telegram).map((message) => message.text.split('\n')[0]).sort();
      expect(texts).toEqual([`[New incident] #${first.id} first`, `[New incident] #${second.id} second`]);
      const records = await deliveries(bot.id);
      expect(records.every((record: any) => record.status === 'sent')).toBe(true);
      expect(records.map((record: any) => record.attempts).sort()).toEqual([1, 2]);
    } finally {
      fake.state.limits.telegram = { count: 20, ms: 60_000 };
    }
  });

  it('an unreachable webhook is tried until its tries run out; a removed bot is not retried; both show in the health', async () => {
    const integration = await createIntegration(service);
    const unreachable = await addBot(integration.channelId, { kind: 'slack', id: 'x', url: 'http://127.0.0.1:9/slack/services/T/B/x' }, ['triggered']);
    const removed = fake.state.addBot('wecom');
    const removedBot = await addBot(integration.channelId, removed, ['triggered']);
    fake.state.removeBot(removed);
    const incident = await alert(integration.path, 'nobody hears');
    await waitFor('both failed', async () => ((await deliveries(unreachable.id))[0]?.status === 'failed' && (await deliveries(removedBot.id))[0]?.status === 'failed' ? true : undefined), 8000);
    expect((await deliveries(unreachable.id))[0]).toMatchObject({ incidentId: incident.id, event: 'triggered', status: 'failed', attempts: 3, errorKind: 'transient', answerStatus: null });
    expect((await deliveries(removedBot.id))[0]).toMatchObject({ status: 'failed', attempts: 1, errorKind: 'target_gone', answerStatus: 200, answer: expect.stringContaining('93000') });
    expect((await service.api('GET', `/bots/${unreachable.id}`)).body.health).toMatchObject({ consecutiveFailures: 1, lastError: expect.stringContaining('transient'), lastSuccessAt: null });
    expect((await service.api('GET', `/bots/${removedBot.id}`)).body.health).toMatchObject({ consecutiveFailures: 1, lastError: expect.stringContaining('target_gone') });
  });
});
