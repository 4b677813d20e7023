/**
 * Mapping tables for group bots' @mentions, through the admin API: created per bot kind, rows imported in bulk as
 * JSON or CSV with a report of emails no member has, chosen by a bot of the same kind — and then a page through that
 * bot @mentions the mapped member, names the unmapped one, as the fake Feishu webhook sees it.
 */
import { DATABASE_KINDS } from '../support/databases.js';
import { expectError, expectValidation } from '../support/admin-helpers.js';
import { createIntegration, postMessage } from '../support/feishu-helpers.js';
import { randomHex, waitFor } from '../support/feishu-app-helpers.js';
import { TEST_ADMIN_TOKEN, startTestService, type TestService } from '../support/test-service.js';
import { startFakeWebhookBots, type FakeWebhookBots } from '../fakes/webhook-bots.js';
import { MAX_IMPORT_ROWS } from '../../src/http/admin/mapping-import.js';

describe.each(DATABASE_KINDS)('bot mapping tables on %s', (kind) => {
  let service: TestService;
  let fake: FakeWebhookBots;

  beforeAll(async () => {
    fake = await startFakeWebhookBots();
    service = await startTestService(kind, 'bot_maps');
  });
  afterAll(async () => {
    await service?.stop();
    await fake?.close();
  });

  const csv = async (tableId: number, text: string, query = '') => {
    const response = await fetch(`${service.url}/api/v1/bot-mapping-tables/${tableId}/rows${query}`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'text/csv' }, body: text });
    return { status: response.status, body: await response.json() };
  };
  const member = async (name: string) => (await service.api('POST', '/members', { name, email: `${name.toLowerCase()}.${randomHex(4)}@example.com` })).body;

  it('imports JSON and CSV rows, reporting emails that match no member; a bad line is named', async () => {
    const ann = await member('Ann');
    const bob = await member('Bob');
    const name = `feishu-${randomHex(3)}`;
    const table = (await service.api('POST', '/bot-mapping-tables', { name, kind: 'feishu' })).body;
    expect(table).toMatchObject({ id: expect.any(Number), name, kind: 'feishu' });
    expectError(await service.api('POST', '/bot-mapping-tables', { name, kind: 'slack' }), 409, 'conflict');
    expectValidation(await service.api('POST', '/bot-mapping-tables', { name: 'x', kind: 'msteams' }), 'kind');

    const json = await service.api('POST', `/bot-mapping-tables/${table.id}/rows`, {
      rows: [
        { email: ann.email.toUpperCase(), userId: 'ou_ann' },
        { email: 'ghost@example.com', userId: 'ou_ghost' },
      ],
    });
    expect(json).toEqual({ status: 200, body: { imported: 2, unmatchedEmails: ['ghost@example.com'] } });
    expect(await csv(table.id, `email,userId\n${ann.email},ou_ann2\n"${bob.email}","ou_bob"\n\n`)).toEqual({ status: 200, body: { imported: 2, unmatchedEmails: [] } });
    const shown = (await service.api('GET', `/bot-mapping-tables/${table.id}`)).body;
    expect(shown.rows).toEqual(
      [
        { email: ann.email.toLowerCase(), userId: 'ou_ann2' },
        { email: bob.email.toLowerCase(), userId: 'ou_bob' },
        { email: 'ghost@example.com', userId: 'ou_ghost' },
      ].sort((a, b) => a.email.localeCompare(b.email)),
    );
    const bad = await csv(table.id, `${ann.email},ou_1\nnot-an-email,ou_2\n`);
    expectError(bad, 400, 'validation', /^line 2: /);
    expect(await csv(table.id, `${bob.email},ou_bob\n`, '?replace=true')).toEqual({ status: 200, body: { imported: 1, unmatchedEmails: [] } });
    expect((await service.api('GET', `/bot-mapping-tables/${table.id}`)).body.rows).toEqual([{ email: bob.email.toLowerCase(), userId: 'ou_bob' }]);
    expect((await service.api('GET', '/bot-mapping-tables')).body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id: table.id, rowCount: 1 })]));
  });

  it('refuses imports over the row cap or the CSV size limit, and stores nothing of them', async () => {
    const table = (await service.api('POST', '/bot-mapping-tables', { name: `cap-${randomHex(3)}`, kind: 'slack' })).body;
    const rows = Array.from({ length: MAX_IMPORT_ROWS + 1 }, (_, index) => ({ email: `p${index}@example.com`, userId: `U${index}` }));
    expectValidation(await service.api('POST', `/bot-mapping-tables/${table.id}/rows`, { rows }), 'rows');
    expectError(await csv(table.id, rows.map((row) => `${row.email},${row.userId}`).join('\n')), 400, 'validation', new RegExp(`more than ${MAX_IMPORT_ROWS} rows`));
    const oversize = await fetch(`${service.url}/api/v1/bot-mapping-tables/${table.id}/rows`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'text/csv' },
      body: `a@example.com,${'U'.repeat(2 * 1024 * 1024)}`,
    });
    expect(oversize.status).toBeGreaterThanOrEqual(400);
    expect(oversize.status).toBeLessThan(500);
    expect((await service.api('GET', `/bot-mapping-tables/${table.id}`)).body.rows).toEqual([]);
  });

  it("a bot takes a table of its own kind; a page @mentions the mapped member and names the other; a used table can't go", async () => {
    const ann = await member('Ann');
    const bob = await member('Bob');
    const table = (await service.api('POST', '/bot-mapping-tables', { name: `fs-${randomHex(3)}`, kind: 'feishu' })).body;
    const wecomTable = (await service.api('POST', '/bot-mapping-tables', { name: `wc-${randomHex(3)}`, kind: 'wecom' })).body;
    await service.api('POST', `/bot-mapping-tables/${table.id}/rows`, { rows: [{ email: ann.email, userId: 'ou_ann' }] });
    const integration = await createIntegration(service);
    const feishu = fake.state.addBot('feishu');
    const path = `/channels/${integration.channelId}/bots`;
    expectValidation(await service.api('POST', path, { name: 'f', kind: 'feishu', url: feishu.url, events: [], mappingTableId: wecomTable.id }), 'mappingTableId');
    expectValidation(await service.api('POST', path, { name: 'f', kind: 'feishu', url: feishu.url, events: [], mappingTableId: 999999 }), 'mappingTableId');
    const bot = await service.api('POST', path, { name: 'f', kind: 'feishu', url: feishu.url, events: [], mappingTableId: table.id });
    expect(bot.body).toMatchObject({ mappingTableId: table.id });
    const rule = await service.api('POST', `/channels/${integration.channelId}/escalation-rules`, {
      name: 'mapped',
      levels: [{ memberIds: [ann.id, bob.id], notifyGroupChats: false, notifyDirect: false, notifyBotIds: [bot.body.id], waitMinutes: 60 }],
    });
    expect(rule.status).toBe(201);
    expect((await service.post(integration.path, postMessage('db down', 'x'))).body.code).toBe(0);
    const page = await waitFor('the page', () => fake.state.deliveredTo(feishu)[0]);
    expect(page.mentions).toEqual(['ou_ann']);
    expect(page.text).toContain('@Bob');
    expectError(await service.api('DELETE', `/bot-mapping-tables/${table.id}`), 409, 'conflict');
    expect((await service.api('DELETE', `/bot-mapping-tables/${wecomTable.id}`)).status).toBe(204);
  });
});
