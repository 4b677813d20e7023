/**
 * Message templates in real bot deliveries: alerts in through the Feishu-compatible endpoint, templates and bots
 * through the admin API, messages checked by the fake webhooks (signature, keyword, body shape, Telegram's HTML
 * parser). A channel's template is what its bots send, hostile alert text escaped for each kind; a template that
 * blows up at render is replaced by the built-in one for that message — the message still goes out, the failure is
 * logged once, and the service keeps answering. Pages and test messages use their templates too.
 */
import { BOT_KIND_NAMES, type BotKindName } from '../../../src/domain/bot-kind-name.js';
import { DATABASE_KINDS } from '../../support/databases.js';
import { CapturedLog } from '../../support/captured-log.js';
import { createIntegration, postMessage } from '../../support/feishu-helpers.js';
import { randomHex, waitFor } from '../../support/feishu-app-helpers.js';
import { FAST_TIMERS } from '../../support/escalation-helpers.js';
import { startTestService, type TestService } from '../../support/test-service.js';
import { startFakeWebhookBots, type FakeBot, type FakeWebhookBots } from '../../fakes/webhook-bots.js';

const HOSTILE =
  '<at user_id="all">all</at> <!channel> <@U999> <@lisi> [click](http://evil.example) <http://evil.example|x> ' +
  '<a href="http://evil.example">x</a> <a href="tg://user?id=1">x</a> @13800000000 *bold* _i_ # h &amp; AT&T';

/** Whether the delivered message holds a link to evil.example that the platform would render. */
function rendersEvilLink(kind: BotKindName, body: any): boolean {
  const raw = kind === 'dingtalk' ? body.markdown.text : kind === 'wecom' ? body.markdown.content : JSON.stringify(body);
  switch (kind) {
    case 'slack':
      return raw.includes('<http://evil') || raw.includes('<!channel>') || raw.includes('<@U999>');
    case 'telegram':
      return raw.includes('href="http://evil') || raw.includes('tg://user?id=1"');
    case 'dingtalk':
    case 'wecom':
      return /(^|[^\\])\]\(http:\/\/evil/.test(raw) || raw.includes('<a href') || raw.includes('<@lisi>');
    default:
      // Feishu post text tags and Zoom plain text show text as written.
      return false;
  }
}

/** A template per kind in its own markup: the title written twice, escaped and with `raw` (still escaped: alert text is never trusted); our own time with `raw`, as written. */
const OWN_TEMPLATE: Record<BotKindName, string> = {
  feishu: '🔥 {{ incident.title }}\nby {{ actor.name }} at {{ incident.firstSeen | raw }}\n{{ incident.title | raw }}',
  dingtalk: '🔥 {{ incident.title }}\n\n**by** {{ actor.name }} at {{ incident.firstSeen | raw }}\n\n> {{ incident.title | raw }}',
  wecom: '🔥 {{ incident.title }}\n**by** {{ actor.name }} at {{ incident.firstSeen | raw }}\n> {{ incident.title | raw }}',
  telegram: '🔥 {{ incident.title }}\n<i>by {{ actor.name }} at {{ incident.firstSeen | raw }}</i>\n<code>{{ incident.title | raw }}</code>',
  slack: '🔥 {{ incident.title }}\n_by {{ actor.name }} at {{ incident.firstSeen | raw }}_\n> {{ incident.title | raw }}',
  zoom: '🔥 {{ incident.title }}\nby {{ actor.name }} at {{ incident.firstSeen | raw }}\n{{ incident.title | raw }}',
};

/** Templates that parse but can't render: each stops at a limit or a sandbox wall. */
const BLOW_UPS: Record<BotKindName, string> = {
  feishu: 'loop {% for i in (1..100000000) %}{{ i }}{% endfor %}',
  dingtalk: 'nested {% for i in (1..1000) %}{% for j in (1..1000) %}{% for k in (1..1000) %}x{% endfor %}{% endfor %}{% endfor %}',
  wecom: 'giant\n{% for i in (1..20000) %}{{ incident.title }}{% endfor %}',
  telegram: "include\n{% include '/etc/passwd' %}",
  slack: 'proto {{ incident.constructor }}',
  zoom: 'proto {{ incident.title.constructor.name }}',
};

describe.each(DATABASE_KINDS)('bot messages from templates on %s', (kind) => {
  let service: TestService;
  let fake: FakeWebhookBots;
  const log = new CapturedLog();

  beforeAll(async () => {
    fake = await startFakeWebhookBots();
    service = await startTestService(kind, 'bot_tpl', { ...FAST_TIMERS, logLevel: 'warn', botRetry: { attempts: 2, firstDelayMs: 50, maxDelayMs: 100 } }, log);
  });
  afterAll(async () => {
    await service?.stop();
    await fake?.close();
  });

  async function addBot(channelId: number, bot: FakeBot, events: string[]): Promise<number> {
    const answer = await service.api('POST', `/channels/${channelId}/bots`, { name: `${bot.kind}-${randomHex(2)}`, kind: bot.kind, url: bot.url, secret: bot.secret, chatId: bot.chatId, keyword: bot.keyword, events });
    expect(answer.status).toBe(201);
    return answer.body.id;
  }
  async function saveTemplate(channelId: number, kindName: string, event: string, source: string): Promise<void> {
    const answer = await service.api('PUT', `/channels/${channelId}/templates/${kindName}/${event}`, { source });
    expect(answer.status).toBe(201);
  }
  async function alert(path: string, title: string): Promise<any> {
    expect((await service.post(path, postMessage(title, `${title} (description)`))).body.code).toBe(0);
    return (await service.api('GET', '/incidents?limit=1')).body.items[0];
  }
  function botsOfEveryKind(): Record<BotKindName, FakeBot> {
    return Object.fromEntries(BOT_KIND_NAMES.map((name) => [name, fake.state.addBot(name, name === 'feishu' ? { secret: `fs-${randomHex(8)}`, keyword: '🔥' } : name === 'dingtalk' ? { secret: `SEC${randomHex(16)}` } : {})])) as Record<BotKindName, FakeBot>;
  }

  it("each kind's bot sends the channel's template, hostile alert text escaped for it (raw too), with the Details link", async () => {
    const integration = await createIntegration(service);
    await service.api('PATCH', `/channels/${integration.channelId}`, { timeZone: 'Europe/Berlin' });
    const bots = botsOfEveryKind();
    for (const name of BOT_KIND_NAMES) {
      await saveTemplate(integration.channelId, name, 'triggered', OWN_TEMPLATE[name]);
      await addBot(integration.channelId, bots[name], ['triggered']);
    }
    const incident = await alert(integration.path, HOSTILE);
    const details = service.services.links.detailsUrl(incident.id);
    for (const name of BOT_KIND_NAMES) {
      const message = await waitFor(`the ${name} message`, () => fake.state.deliveredTo(bots[name])[0]);
      expect(message.text).toContain('🔥');
      expect(message.text).toMatch(/at \d{4}-\d\d-\d\d \d\d:\d\d \(Europe\/Berlin\)/);
      expect(message.mentions).toEqual([]);
      expect(rendersEvilLink(name, message.body)).toBe(false);
      expect(JSON.stringify(message.body)).toContain(JSON.stringify(details).slice(1, -1));
    }
    // Where the kind has no markup the text arrives as written (cut to a title's 200 characters); in Telegram's the
    // fake's HTML parser shows it so; Slack's control characters are entities.
    const shown = HOSTILE.slice(0, 150);
    for (const name of ['zoom', 'telegram', 'feishu'] as const) expect(fake.state.deliveredTo(bots[name])[0].text).toContain(shown);
    expect(fake.state.deliveredTo(bots.slack)[0].body.blocks[0].text.text).toContain('&lt;!channel&gt; &lt;@U999&gt;');
  });

  it('the built-in templates escape hostile alert text for every kind too', async () => {
    const integration = await createIntegration(service);
    const bots = botsOfEveryKind();
    for (const name of BOT_KIND_NAMES) await addBot(integration.channelId, bots[name], ['triggered']);
    const incident = await alert(integration.path, HOSTILE);
    for (const name of BOT_KIND_NAMES) {
      const message = await waitFor(`the ${name} message`, () => fake.state.deliveredTo(bots[name])[0]);
      expect(message.text).toContain(`#${incident.id}`);
      expect(message.text).toContain('Severity: warning');
      expect(message.mentions).toEqual([]);
      expect(rendersEvilLink(name, message.body)).toBe(false);
    }
  });

  it('a template that blows up at render: the built-in message goes out instead, the failure is logged once per template, the service keeps answering', async () => {
    const integration = await createIntegration(service);
    const bots = botsOfEveryKind();
    for (const name of BOT_KIND_NAMES) {
      // Saved: they parse (with a warning from the sample render).
      const saved = await service.api('PUT', `/channels/${integration.channelId}/templates/${name}/triggered`, { source: BLOW_UPS[name] });
      expect(saved.status).toBe(201);
      expect(saved.body.warnings).toHaveLength(1);
      await addBot(integration.channelId, bots[name], ['triggered']);
    }
    const first = await alert(integration.path, 'first');
    for (const name of BOT_KIND_NAMES) {
      const message = await waitFor(`the ${name} message`, () => fake.state.deliveredTo(bots[name])[0]);
      expect(message.text).toContain(`[New incident] #${first.id} first`);
    }
    // The service answers while (and after) the templates fail.
    expect((await service.api('GET', `/channels/${integration.channelId}`)).status).toBe(200);
    const second = await alert(integration.path, 'second');
    for (const name of BOT_KIND_NAMES) {
      const message = await waitFor(`the second ${name} message`, () => fake.state.deliveredTo(bots[name])[1]);
      expect(message.text).toContain(`[New incident] #${second.id} second`);
    }
    await service.services.botDeliveries.idle();
    const failures = log.entries(/message template failed/).filter((entry) => entry.channelId === integration.channelId);
    expect(failures.map((entry) => entry.kind).sort()).toEqual([...BOT_KIND_NAMES].sort());
    expect(failures.find((entry) => entry.kind === 'feishu')).toMatchObject({ event: 'triggered', error: { message: expect.stringMatching(/limit/) } });
    expect(failures.find((entry) => entry.kind === 'telegram')).toMatchObject({ error: { message: expect.stringMatching(/passwd/), line: 2 } });
    // Those stopped by a limit are skipped for a while, and the API says so; the others are tried on every message.
    const shown = async (name: string) => (await service.api('GET', `/channels/${integration.channelId}/templates/${name}/triggered`)).body;
    expect((await shown('feishu')).skipped).toEqual({ until: expect.any(String), error: { message: 'memory alloc limit exceeded', line: 1, column: expect.any(Number) } });
    expect(Date.parse((await shown('dingtalk')).skipped.until)).toBeGreaterThan(Date.now() + 60_000);
    expect((await shown('telegram')).skipped).toBeNull();
    // Neither alert text nor the source in the log.
    expect(JSON.stringify(failures)).not.toMatch(/first|second|100000000/);

    // Changed, the template is a new version: its failure is logged again, once.
    await service.api('PUT', `/channels/${integration.channelId}/templates/slack/triggered`, { source: 'proto {{ incident["__proto__"] }}' });
    await alert(integration.path, 'third');
    await waitFor('the third slack message', () => fake.state.deliveredTo(bots.slack)[2]);
    expect(log.entries(/message template failed/).filter((entry) => entry.channelId === integration.channelId && entry.kind === 'slack')).toHaveLength(2);
  });

  it("a page uses the channel's page template with its level and mentions; a bot's test message its test template", async () => {
    const integration = await createIntegration(service);
    const ann = await service.api('POST', '/members', { name: 'Ann', email: `ann.${randomHex(3)}@example.com`, phone: '13800000001' });
    const dingtalk = fake.state.addBot('dingtalk');
    const botId = await addBot(integration.channelId, dingtalk, []);
    await saveTemplate(integration.channelId, 'dingtalk', 'page', '🚨 L{{ level }} {{ incident.title }}\n\nPaging {% for person in mentions %}{{ person.name }}{% if person.mentioned %} (mentioned){% endif %}{% endfor %}');
    await saveTemplate(integration.channelId, 'dingtalk', 'test', 'Hello from {{ channel.name }}');
    const rule = await service.api('POST', `/channels/${integration.channelId}/escalation-rules`, {
      name: 'page',
      levels: [{ memberIds: [ann.body.id], notifyGroupChats: false, notifyDirect: false, notifyBotIds: [botId], waitMinutes: 60 }],
    });
    expect(rule.status).toBe(201);
    await alert(integration.path, 'db down');
    const page = await waitFor('the page', () => fake.state.deliveredTo(dingtalk)[0]);
    expect(page.text).toContain('🚨 L1 db down');
    expect(page.text).toContain('Paging Ann (mentioned)');
    expect(page.mentions).toEqual(['13800000001']);

    const test = await service.api('POST', `/bots/${botId}/test`);
    expect(test.body).toMatchObject({ ok: true });
    const channel = (await service.api('GET', `/channels/${integration.channelId}`)).body;
    expect(fake.state.deliveredTo(dingtalk)[1].text).toContain(`Hello from ${channel.name.replace(/-/g, '\\-')}`);
  });
});
