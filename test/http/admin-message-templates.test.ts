/**
 * Message templates through the admin API, as an operator uses it: a channel's own template saved, shown, replaced
 * and removed; a source that does not parse refused with its line; previews with the sample incident and a real one;
 * the keyword of a channel's Feishu / DingTalk bots checked when a template or a bot is saved.
 */
import { DATABASE_KINDS } from '../support/databases.js';
import { createChannel, expectError, expectValidation } from '../support/admin-helpers.js';
import { createIntegration, postMessage } from '../support/feishu-helpers.js';
import { randomHex } from '../support/feishu-app-helpers.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { startFakeWebhookBots, type FakeWebhookBots } from '../fakes/webhook-bots.js';

const TEMPLATE_KINDS = ['feishu', 'dingtalk', 'wecom', 'telegram', 'slack', 'zoom', 'email', 'email-html'];

describe.each(DATABASE_KINDS)('admin API message templates on %s', (kind) => {
  let service: TestService;
  let fake: FakeWebhookBots;
  let channel: any;

  beforeAll(async () => {
    fake = await startFakeWebhookBots();
    service = await startTestService(kind, 'admin_templates');
    channel = await createChannel(service, `tpl-${randomHex(3)}`, { timeZone: 'Asia/Shanghai' });
  });
  afterAll(async () => {
    await service?.stop();
    await fake?.close();
  });

  const path = (kindName: string, event: string, channelId = channel.id) => `/channels/${channelId}/templates/${kindName}/${event}`;

  it('saves, shows, replaces and removes a channel’s own template; without one the built-in template is shown', async () => {
    const builtIn = await service.api('GET', path('slack', 'closed'));
    expect(builtIn.status).toBe(200);
    expect(builtIn.body).toMatchObject({ channelId: channel.id, kind: 'slack', event: 'closed', overridden: false, updatedAt: null });
    expect(builtIn.body.source).toContain('{{ incident.title }}');

    const created = await service.api('PUT', path('slack', 'closed'), { source: ':white_check_mark: {{ incident.title }}\nClosed by {{ actor.name }}' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(Number), channelId: channel.id, kind: 'slack', event: 'closed', warnings: [] });
    const replaced = await service.api('PUT', path('slack', 'closed'), { source: 'Closed: {{ incident.title }}' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id: created.body.id, source: 'Closed: {{ incident.title }}' });
    expect((await service.api('GET', path('slack', 'closed'))).body).toMatchObject({ overridden: true, source: 'Closed: {{ incident.title }}', updatedAt: expect.any(String) });
    const listed = await service.api('GET', `/channels/${channel.id}/templates`);
    expect(listed.body.items.map((item: any) => [item.kind, item.event])).toEqual([['slack', 'closed']]);

    expect((await service.api('DELETE', path('slack', 'closed'))).status).toBe(204);
    expect((await service.api('GET', path('slack', 'closed'))).body.overridden).toBe(false);
    expectError(await service.api('DELETE', path('slack', 'closed')), 404, 'not_found');
  });

  it('saves at once from several requests: one template, the last save’s source', async () => {
    const own = await createChannel(service, `race-${randomHex(3)}`);
    const answers = await Promise.all(Array.from({ length: 6 }, (_, index) => service.api('PUT', path('zoom', 'reopened', own.id), { source: `v${index} {{ incident.title }}` })));
    expect(answers.map((answer) => answer.status).every((status) => status === 200 || status === 201)).toBe(true);
    const listed = (await service.api('GET', `/channels/${own.id}/templates`)).body.items;
    expect(listed).toHaveLength(1);
    expect(answers.map((answer) => answer.body.source)).toContain(listed[0].source);
  });

  it('lists the built-in template of every kind and event', async () => {
    const defaults = (await service.api('GET', '/template-defaults')).body.items;
    expect(defaults).toHaveLength(TEMPLATE_KINDS.length * 7);
    expect(new Set(defaults.map((item: any) => item.kind))).toEqual(new Set(TEMPLATE_KINDS));
    expect(defaults.find((item: any) => item.kind === 'telegram' && item.event === 'page')).toEqual({ kind: 'telegram', event: 'page', markup: 'Telegram HTML', source: expect.stringContaining('{{ level }}') });
  });

  it('refuses a source that does not parse with a 400 naming the line, and keeps the saved one', async () => {
    await service.api('PUT', path('telegram', 'triggered'), { source: 'kept {{ incident.title }}' });
    const answer = await service.api('PUT', path('telegram', 'triggered'), { source: 'Title {{ incident.title }}\nSeverity: {{ incident.severity }}\n{% if incident.alertCount > 1 %}many' });
    expectError(answer, 400, 'validation', /^source: line 3, column \d+: /);
    expect(answer.body.error.details).toEqual({ line: 3, column: expect.any(Number) });
    expectError(await service.api('PUT', path('telegram', 'triggered'), { source: 'a\n{{ incident.title | system: "id" }}' }), 400, 'validation', /^source: line 2.*undefined filter: system/);
    expect((await service.api('GET', path('telegram', 'triggered'))).body.source).toBe('kept {{ incident.title }}');
  });

  it('refuses bad requests, naming the field', async () => {
    expectValidation(await service.api('PUT', path('teams', 'triggered'), { source: 'x' }), 'kind');
    expectValidation(await service.api('PUT', path('slack', 'resolved'), { source: 'x' }), 'event');
    expectValidation(await service.api('PUT', path('slack', 'triggered'), { source: '' }), 'source');
    expectValidation(await service.api('PUT', path('slack', 'triggered'), { source: 'x'.repeat(10_001) }), 'source');
    expectValidation(await service.api('PUT', path('slack', 'triggered'), { source: 'x', colour: 'red' }), 'colour');
    expectError(await service.api('PUT', path('slack', 'triggered', 999_999), { source: 'x' }), 404, 'not_found');
    expectValidation(await service.api('POST', `/channels/${channel.id}/templates/preview`, { event: 'triggered', source: 'x' }), 'kind');
  });

  it('saves a template that fails with the sample incident, with a warning', async () => {
    const saved = await service.api('PUT', path('wecom', 'acknowledged'), { source: 'Ack\n{{ incident.nope }}' });
    expect(saved.status).toBe(201);
    expect(saved.body.warnings).toEqual([expect.stringMatching(/line 2: undefined variable: incident\.nope.*built-in/)]);
  });

  it('previews every kind with the sample incident in the channel’s time zone, escaped for each kind', async () => {
    const answer = await service.api('POST', `/channels/${channel.id}/templates/preview`, { event: 'triggered' });
    expect(answer.status).toBe(200);
    expect(answer.body.items.map((item: any) => item.kind)).toEqual(TEMPLATE_KINDS);
    const byKind = Object.fromEntries(answer.body.items.map((item: any) => [item.kind, item]));
    expect(byKind.feishu).toMatchObject({ from: 'built-in', title: '[New incident] #0 Sample: disk usage above 90% on db-1', error: null });
    expect(byKind.feishu.body).toContain('(Asia/Shanghai)');
    // The template's own text is the admin's markup; the values in it are escaped for the kind.
    expect(byKind.dingtalk.title).toBe('[New incident] #0 Sample: disk usage above 90% on db\\-1');
    expect(byKind.email.body).toContain('Details: https://oncall.example/incidents/0');
    expect(byKind['email-html'].body).toContain('<a href="https://oncall.example/incidents/0">');
  });

  it('previews an unsaved source against a real incident; a failing one shows its error and the built-in message', async () => {
    const integration = await createIntegration(service);
    expect((await service.post(integration.path, postMessage('<b>api</b> & 5xx', 'errors up'))).body.code).toBe(0);
    const incident = (await service.api('GET', '/incidents?limit=1')).body.items[0];
    const preview = (body: Record<string, unknown>) => service.api('POST', `/channels/${integration.channelId}/templates/preview`, body);

    const good = await preview({ event: 'triggered', kind: 'telegram', incidentId: incident.id, source: '🔥 {{ incident.title }} ({{ incident.alertCount }})\n<i>{{ incident.description }}</i>' });
    expect(good.body.items).toEqual([{ kind: 'telegram', event: 'triggered', from: 'given', title: '🔥 &lt;b&gt;api&lt;/b&gt; &amp; 5xx (1)', body: '<i>errors up</i>', error: null }]);

    const failing = await preview({ event: 'triggered', kind: 'slack', incidentId: incident.id, source: 'ok\n{% for i in (1..100000000) %}x{% endfor %}' });
    expect(failing.body.items[0]).toMatchObject({ from: 'built-in', title: `[New incident] #${incident.id} &lt;b&gt;api&lt;/b&gt; &amp; 5xx`, error: { message: expect.stringMatching(/limit/), line: 2 } });

    const badHtml = await preview({ event: 'triggered', kind: 'telegram', source: '<b>{{ incident.title }}' });
    expect(badHtml.body.items[0]).toMatchObject({ from: 'built-in', error: { message: '<b> is not closed' } });

    expectValidation(await service.api('POST', `/channels/${channel.id}/templates/preview`, { event: 'triggered', incidentId: incident.id }), 'incidentId');
  });

  it('a keyword of a Feishu / DingTalk bot: a template it uses must write it, checked when the template and when the bot is saved', async () => {
    const own = await createChannel(service, `kw-${randomHex(3)}`);
    const feishu = fake.state.addBot('feishu', { keyword: 'oncall' });
    const bot = await service.api('POST', `/channels/${own.id}/bots`, { name: 'fs', kind: 'feishu', url: feishu.url, keyword: 'oncall', events: ['triggered'] });
    expect(bot.status).toBe(201);

    expectError(await service.api('PUT', path('feishu', 'triggered', own.id), { source: 'New: {{ incident.title }}' }), 400, 'validation', `lacks the keyword "oncall" of bot ${bot.body.id} (fs)`);
    // Every bot is paged and tested: those templates count too. Events the bot did not choose don't.
    expectError(await service.api('PUT', path('feishu', 'page', own.id), { source: 'Page: {{ incident.title }}' }), 400, 'validation', /lacks the keyword "oncall"/);
    expect((await service.api('PUT', path('feishu', 'closed', own.id), { source: 'Closed: {{ incident.title }}' })).status).toBe(201);
    expect((await service.api('PUT', path('feishu', 'triggered', own.id), { source: '[oncall] New: {{ incident.title }}' })).status).toBe(201);
    // Another kind's template is not the bot's business.
    expect((await service.api('PUT', path('slack', 'triggered', own.id), { source: 'New: {{ incident.title }}' })).status).toBe(201);

    // A bot now choosing `closed`, or taking a new keyword, meets the templates already saved.
    expectError(await service.api('PATCH', `/bots/${bot.body.id}`, { events: ['triggered', 'closed'] }), 400, 'validation', /^keyword: the channel's feishu template for closed does not contain the keyword "oncall"/);
    expectError(await service.api('PATCH', `/bots/${bot.body.id}`, { keyword: 'alarm' }), 400, 'validation', /feishu template for triggered does not contain the keyword "alarm"/);
    const dingtalk = fake.state.addBot('dingtalk', { keyword: 'alarm' });
    await service.api('PUT', path('dingtalk', 'test', own.id), { source: 'Test {{ channel.name }}' });
    expectError(await service.api('POST', `/channels/${own.id}/bots`, { name: 'dt', kind: 'dingtalk', url: dingtalk.url, keyword: 'alarm' }), 400, 'validation', /dingtalk template for test does not contain the keyword "alarm"/);
    expect((await service.api('POST', `/channels/${own.id}/bots`, { name: 'dt', kind: 'dingtalk', url: dingtalk.url })).status).toBe(201);
    expect((await service.api('GET', `/channels/${own.id}/bots`)).body.items.find((item: any) => item.id === bot.body.id)).toMatchObject({ keyword: 'oncall', events: ['triggered'] });
  });

  it('a channel’s templates go with the channel', async () => {
    const own = await createChannel(service, `gone-${randomHex(3)}`);
    await service.api('PUT', path('zoom', 'triggered', own.id), { source: 'x {{ incident.title }}' });
    expect((await service.api('DELETE', `/channels/${own.id}`)).status).toBe(204);
    expectError(await service.api('GET', `/channels/${own.id}/templates`), 404, 'not_found');
  });
});
