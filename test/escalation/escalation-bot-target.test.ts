/**
 * An escalation level whose target is a group bot: alerts in through the Feishu-compatible endpoint, rule and bots
 * through the admin API, the fake webhooks checking signatures and keywords. The level's members are @mentioned where
 * the kind can (DingTalk by mobile) and named where it can't yet (no mapping tables), each page arrives once and on
 * time, and a bot that is gone ends up on the timeline as not reached.
 */
import { DATABASE_KINDS } from '../support/databases.js';
import { createIntegration, incidentDetail, postMessage } from '../support/feishu-helpers.js';
import { randomHex, waitFor } from '../support/feishu-app-helpers.js';
import { expectValidation } from '../support/admin-helpers.js';
import { FAST_TIMERS, sleep } from '../support/escalation-helpers.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { IncidentEntity } from '../../src/db/entities/incident.entity.js';
import { BotPager } from '../../src/services/bots/bot-pager.js';
import { startFakeWebhookBots, type FakeBot, type FakeWebhookBots } from '../fakes/webhook-bots.js';

describe.each(DATABASE_KINDS)('escalation to group bots on %s', (kind) => {
  let service: TestService;
  let fake: FakeWebhookBots;

  beforeAll(async () => {
    fake = await startFakeWebhookBots();
    service = await startTestService(kind, 'bot_pages', { ...FAST_TIMERS, botRetry: { attempts: 2, firstDelayMs: 50, maxDelayMs: 100 } });
  });
  afterAll(async () => {
    await service?.stop();
    await fake?.close();
  });

  async function addBot(channelId: number, bot: FakeBot): Promise<number> {
    const answer = await service.api('POST', `/channels/${channelId}/bots`, { name: `${bot.kind} room`, kind: bot.kind, url: bot.url, secret: bot.secret, keyword: bot.keyword, events: [] });
    expect(answer.status).toBe(201);
    return answer.body.id;
  }
  async function member(name: string, phone?: string): Promise<number> {
    const answer = await service.api('POST', '/members', { name, email: `${name.toLowerCase()}.${randomHex(3)}@example.com`, ...(phone ? { phone } : {}) });
    expect(answer.status).toBe(201);
    return answer.body.id;
  }

  it('pages each level through its bots: DingTalk @mentions by mobile, others name the members; once each, on time', async () => {
    const integration = await createIntegration(service);
    const ann = await member('Ann', '13800000001');
    const bob = await member('Bob');
    const cy = await member('Cy', '13800000003');
    const ding = fake.state.addBot('dingtalk', { secret: `SEC${randomHex(16)}`, keyword: 'oncall' });
    const wecom = fake.state.addBot('wecom');
    const dingId = await addBot(integration.channelId, ding);
    const wecomId = await addBot(integration.channelId, wecom);
    const rule = await service.api('POST', `/channels/${integration.channelId}/escalation-rules`, {
      name: 'bots',
      levels: [
        { memberIds: [ann, bob], notifyGroupChats: false, notifyDirect: false, notifyBotIds: [dingId, wecomId], waitMinutes: 0.03 },
        { memberIds: [cy], notifyGroupChats: false, notifyDirect: false, notifyBotIds: [dingId], waitMinutes: 60 },
      ],
    });
    expect(rule.status).toBe(201);

    const title = 'db-1 down <@all> [x](http://evil.example) @13900000000';
    const started = Date.now();
    expect((await service.post(integration.path, postMessage(title, 'disk full'))).body.code).toBe(0);
    const levelOne = await waitFor('level 1 on DingTalk', () => fake.state.deliveredTo(ding)[0]);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(levelOne.mentions).toEqual(['13800000001']);
    expect(levelOne.text).toContain('Escalation level 1');
    expect(levelOne.text).toContain('@Bob');
    expect(levelOne.body.at).toEqual({ atMobiles: ['13800000001'], isAtAll: false });
    const onWecom = await waitFor('level 1 on WeCom', () => fake.state.deliveredTo(wecom)[0]);
    expect(onWecom.mentions).toEqual([]);
    expect(onWecom.text).toMatch(/@Ann @Bob/);

    const levelTwo = await waitFor('level 2 on DingTalk', () => fake.state.deliveredTo(ding)[1], 8000);
    expect(levelTwo.text).toContain('Escalation level 2');
    expect(levelTwo.mentions).toEqual(['13800000003']);
    // Level 2 comes after level 1's wait (1.8 s), not before.
    expect(levelTwo.at - levelOne.at).toBeGreaterThanOrEqual(1500);
    await sleep(500);
    await service.services.botDeliveries.idle();
    expect(fake.state.deliveredTo(ding)).toHaveLength(2);
    expect(fake.state.deliveredTo(wecom)).toHaveLength(1);
    const records = (await service.api('GET', `/bots/${dingId}/deliveries`)).body.items;
    expect(records.map((record: any) => [record.event, record.status])).toEqual([
      ['escalation', 'sent'],
      ['escalation', 'sent'],
    ]);
  });

  it('a bot that is gone is not reached: named on the timeline, not retried', async () => {
    const integration = await createIntegration(service);
    const ann = await member('Ann', '13800000001');
    const gone = fake.state.addBot('dingtalk');
    const goneId = await addBot(integration.channelId, gone);
    fake.state.removeBot(gone);
    const rule = await service.api('POST', `/channels/${integration.channelId}/escalation-rules`, {
      name: 'gone bot',
      levels: [{ memberIds: [ann], notifyGroupChats: false, notifyDirect: false, notifyBotIds: [goneId], waitMinutes: 60 }],
    });
    expect(rule.status).toBe(201);
    expect((await service.post(integration.path, postMessage('nobody hears', 'x'))).body.code).toBe(0);
    const incident = (await service.api('GET', '/incidents?limit=1')).body.items[0];
    const entry = await waitFor('not_reached', async () => (await incidentDetail(service, incident.id)).timeline.find((item: any) => item.kind === 'not_reached'), 8000);
    expect(entry.detail.notReached).toBe('dingtalk bot "dingtalk room": target_gone 300001');
    expect(fake.state.requestsTo(gone)).toHaveLength(1);
  });

  it('a page delivered again under the same key (the sweep after a crash) is not posted twice', async () => {
    const integration = await createIntegration(service);
    const wecom = fake.state.addBot('wecom');
    const botId = await addBot(integration.channelId, wecom);
    expect((await service.post(integration.path, postMessage('twice?', 'x'))).body.code).toBe(0);
    const listed = (await service.api('GET', '/incidents?limit=1')).body.items[0];
    const incident = await service.db.manager.findOneByOrFail(IncidentEntity, { id: listed.id });
    const pager = new BotPager(service.db, service.services.botDeliveries, service.services.botMappings);
    const page = { incident, channelName: 'c', detailsUrl: 'http://oncall.test/incidents/1?sig=x', levelNumber: 1, members: [], key: `escalation:${incident.id}:1:0:bot:${botId}` };
    await pager.page(botId, page);
    await pager.page(botId, page);
    expect(fake.state.deliveredTo(wecom)).toHaveLength(1);
    await pager.page(botId, { ...page, key: `${page.key}:next-step` });
    expect(fake.state.deliveredTo(wecom)).toHaveLength(2);
  });

  it("a level's bots must be bots of the rule's channel", async () => {
    const integration = await createIntegration(service);
    const other = await createIntegration(service);
    const ann = await member('Ann');
    const foreign = await addBot(other.channelId, fake.state.addBot('slack'));
    const answer = await service.api('POST', `/channels/${integration.channelId}/escalation-rules`, {
      name: 'foreign',
      levels: [{ memberIds: [ann], notifyGroupChats: false, notifyDirect: false, notifyBotIds: [foreign], waitMinutes: 5 }],
    });
    expectValidation(answer, 'levels');
    expect(answer.body.error.message).toContain(`bot ${foreign} is not a bot of channel ${integration.channelId}`);
  });
});
