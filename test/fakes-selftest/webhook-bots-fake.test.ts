/**
 * The group-bot fake, driven by hand-made requests as the platforms document them: what each real webhook accepts is
 * accepted, and what it refuses is refused with its own code — signature and its window, keyword, body shape, size,
 * rate limits.
 */
import { createHmac } from 'node:crypto';
import { startFakeWebhookBots, parseTelegramHtml, type FakeWebhookBots } from '../fakes/webhook-bots.js';

let fake: FakeWebhookBots;

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string; json: any; headers: Headers }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json, headers: response.headers };
}

const feishuSign = (secret: string, ts: number) => createHmac('sha256', `${ts}\n${secret}`).update('').digest('base64');
const dingtalkSign = (secret: string, ts: number) => encodeURIComponent(createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64'));

beforeAll(async () => {
  fake = await startFakeWebhookBots();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  fake.state.limits.enabled = true;
});

describe('feishu custom bot', () => {
  const text = (value: string) => ({ msg_type: 'text', content: { text: value } });

  it('accepts text and post; answers 19001 for an unknown token, 19002 without msg_type, 9499 for a bad post or over 20 KB', async () => {
    const bot = fake.state.addBot('feishu');
    expect((await post(bot.url, text('hi <at user_id="ou_1"></at>'))).json).toMatchObject({ code: 0, StatusCode: 0 });
    expect(fake.state.deliveredTo(bot).at(-1)).toMatchObject({ mentions: ['ou_1'] });
    const postBody = { msg_type: 'post', content: { post: { zh_cn: { title: 'T', content: [[{ tag: 'text', text: 'a' }, { tag: 'at', user_id: 'ou_2' }]] } } } };
    expect((await post(bot.url, postBody)).json.code).toBe(0);
    expect(fake.state.deliveredTo(bot).at(-1)).toMatchObject({ mentions: ['ou_2'], text: 'T\na' });
    expect((await post(`${bot.url}x`, text('hi'))).json.code).toBe(19001);
    expect((await post(bot.url, { content: { text: 'hi' } })).json).toMatchObject({ code: 19002, msg: 'params error, msg_type need' });
    expect((await post(bot.url, { msg_type: 'post', content: { post: { zh_cn: { content: 'flat' } } } })).json.code).toBe(9499);
    expect((await post(bot.url, text('x'.repeat(21 * 1024)))).json.code).toBe(9499);
    expect(fake.state.deliveredTo(bot)).toHaveLength(2);
  });

  it('checks the sign (reference vector) and its one-hour window, and the keyword in text values only', async () => {
    expect(feishuSign('mysecret', 1700000000)).toBe('Jp33/xXhCipDEpjyHvEyc7mRSyXWHbNz6J8+C3qQKNo=');
    const bot = fake.state.addBot('feishu', { secret: 'mysecret', keyword: 'oncall' });
    const now = Math.floor(Date.now() / 1000);
    const signed = (body: object, ts: number, secret = 'mysecret') => ({ ...body, timestamp: String(ts), sign: feishuSign(secret, ts) });
    expect((await post(bot.url, signed(text('oncall: disk'), now))).json.code).toBe(0);
    expect((await post(bot.url, signed(text('oncall: disk'), now, 'other'))).json.code).toBe(19021);
    expect((await post(bot.url, signed(text('oncall: disk'), now - 3700))).json.code).toBe(19021);
    expect((await post(bot.url, text('oncall: disk'))).json.code).toBe(19021);
    expect((await post(bot.url, signed(text('disk'), now))).json).toMatchObject({ code: 19024, msg: 'Key Words Not Found' });
    const linkOnly = { msg_type: 'post', content: { post: { zh_cn: { title: 'disk', content: [[{ tag: 'a', text: 'x', href: 'https://oncall.example' }]] } } } };
    expect((await post(bot.url, signed(linkOnly, now))).json.code).toBe(19024);
  });

  it('answers 11232 past 5 a second', async () => {
    const bot = fake.state.addBot('feishu');
    const codes = await Promise.all(Array.from({ length: 7 }, () => post(bot.url, text('burst')).then((answer) => answer.json.code)));
    expect(codes.filter((code) => code === 0)).toHaveLength(5);
    expect(codes.filter((code) => code === 11232)).toHaveLength(2);
  });
});

describe('dingtalk custom robot', () => {
  const markdown = (value: string, mobiles: string[] = []) => ({ msgtype: 'markdown', markdown: { title: 't', text: value }, at: { atMobiles: mobiles, isAtAll: false } });

  it('checks the ms timestamp window and the sign, refusing one URL-encoded twice; 300001 for an unknown token', async () => {
    const bot = fake.state.addBot('dingtalk', { secret: 'SECabc' });
    const now = Date.now();
    const url = (ts: number, sign: string) => `${bot.url}&timestamp=${ts}&sign=${sign}`;
    expect((await post(url(now, dingtalkSign('SECabc', now)), markdown('hi'))).json).toEqual({ errcode: 0, errmsg: 'ok' });
    expect((await post(url(now, encodeURIComponent(dingtalkSign('SECabc', now))), markdown('hi'))).json).toMatchObject({ errcode: 310000, errmsg: 'sign not match' });
    expect((await post(url(now, dingtalkSign('other', now)), markdown('hi'))).json.errmsg).toBe('sign not match');
    expect((await post(url(now - 3_700_000, dingtalkSign('SECabc', now - 3_700_000)), markdown('hi'))).json).toMatchObject({ errcode: 310000, errmsg: 'invalid timestamp' });
    expect((await post(bot.url, markdown('hi'))).json.errmsg).toBe('invalid timestamp');
    expect((await post(`${bot.url}x`, markdown('hi'))).json.errcode).toBe(300001);
  });

  it('mentions a mobile only when the text shows @mobile; keyword, body shape and size are checked', async () => {
    const bot = fake.state.addBot('dingtalk', { keyword: 'alarm' });
    expect((await post(bot.url, markdown('alarm @13800000000', ['13800000000', '13900000000']))).json.errcode).toBe(0);
    expect(fake.state.deliveredTo(bot).at(-1)!.mentions).toEqual(['13800000000']);
    expect((await post(bot.url, markdown('no word'))).json).toMatchObject({ errcode: 310000, errmsg: 'keywords not in content' });
    expect((await post(bot.url, { msgtype: 'markdown', markdown: { text: 'alarm' } })).json.errcode).toBe(40035);
    expect((await post(bot.url, markdown(`alarm ${'x'.repeat(20_001)}`))).json.errcode).toBe(460101);
  });

  it('answers 130101 past 20 a minute, then refuses everything for the block time', async () => {
    const bot = fake.state.addBot('dingtalk');
    const codes: number[] = [];
    for (let index = 0; index < 22; index++) codes.push((await post(bot.url, markdown(`m${index}`))).json.errcode);
    expect(codes.slice(0, 20).every((code) => code === 0)).toBe(true);
    expect(codes.slice(20)).toEqual([130101, 130101]);
  });
});

describe('wecom group bot', () => {
  it('takes markdown with <@userid> mentions; 93000 unknown key, 40008 msgtype, 40058 over 4096 bytes, 45009 past 20 a minute', async () => {
    const bot = fake.state.addBot('wecom');
    expect((await post(bot.url, { msgtype: 'markdown', markdown: { content: 'hi <@zhangsan>' } })).json).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(fake.state.deliveredTo(bot).at(-1)!.mentions).toEqual(['zhangsan']);
    expect((await post(`${bot.url}x`, { msgtype: 'markdown', markdown: { content: 'hi' } })).json.errcode).toBe(93000);
    expect((await post(bot.url, { msgtype: 'card', card: {} })).json.errcode).toBe(40008);
    expect((await post(bot.url, { msgtype: 'markdown', markdown: { content: '字'.repeat(1366) } })).json.errcode).toBe(40058);
    expect((await post(bot.url, { msgtype: 'text', text: { content: 'x'.repeat(2049) } })).json.errcode).toBe(40058);
    const codes: number[] = [];
    for (let index = 0; index < 20; index++) codes.push((await post(bot.url, { msgtype: 'text', text: { content: `m${index}` } })).json.errcode);
    expect(codes.slice(0, 19).every((code) => code === 0)).toBe(true);
    expect(codes.at(-1)).toBe(45009);
  });
});

describe('telegram bot', () => {
  it('parses HTML as Telegram does: entities, allowed tags, nesting; tg://user links are mentions', () => {
    expect(parseTelegramHtml('<b>a &amp; b</b> <a href="tg://user?id=42">Ann</a>')).toEqual({ text: 'a & b Ann', mentions: ['42'] });
    expect(parseTelegramHtml('1 < 2')).toHaveProperty('error');
    expect(parseTelegramHtml('<script>x</script>')).toHaveProperty('error');
    expect(parseTelegramHtml('<b>x')).toHaveProperty('error');
    expect(parseTelegramHtml('AT&T')).toHaveProperty('error');
  });

  it('answers 404 for an unknown token, 400 for a missing chat, bad entities or over 4096, 429 with retry_after', async () => {
    const bot = fake.state.addBot('telegram');
    const send = (body: object, url = bot.url) => post(`${url}/sendMessage`, body);
    expect((await send({ chat_id: bot.chatId, text: '<b>hi</b>', parse_mode: 'HTML' })).json).toMatchObject({ ok: true, result: { text: 'hi' } });
    expect((await send({ chat_id: bot.chatId, text: 'hi' }, `${bot.url}x`)).json).toMatchObject({ ok: false, error_code: 404 });
    expect((await send({ chat_id: '-1', text: 'hi' })).json.description).toBe('Bad Request: chat not found');
    expect((await send({ chat_id: bot.chatId, text: '<x>', parse_mode: 'HTML' })).json.description).toMatch(/^Bad Request: can't parse entities/);
    expect((await send({ chat_id: bot.chatId, text: 'x'.repeat(4097) })).json.description).toBe('Bad Request: message is too long');
    // 4096 characters shown, more sent: the markup does not count.
    expect((await send({ chat_id: bot.chatId, text: `<b>${'x'.repeat(4096)}</b>`, parse_mode: 'HTML' })).json.ok).toBe(true);
    // Two went through above.
    fake.state.limits.telegram = { count: 2, ms: 2000 };
    try {
      const answer = await send({ chat_id: bot.chatId, text: 'hi' });
      expect(answer.status).toBe(429);
      expect(answer.json).toMatchObject({ ok: false, error_code: 429, parameters: { retry_after: expect.any(Number) } });
      expect(answer.json.parameters.retry_after).toBeGreaterThanOrEqual(1);
    } finally {
      fake.state.limits.telegram = { count: 20, ms: 60_000 };
    }
  });
});

describe('slack incoming webhook', () => {
  it('answers plain ok; no_service, no_text, invalid_blocks; 429 with Retry-After past its burst', async () => {
    const bot = fake.state.addBot('slack');
    const answer = await post(bot.url, { text: 'hi <@U123>' });
    expect([answer.status, answer.text]).toEqual([200, 'ok']);
    expect(fake.state.deliveredTo(bot).at(-1)!.mentions).toEqual(['U123']);
    expect(await post(`${bot.url}x`, { text: 'hi' })).toMatchObject({ status: 404, text: 'no_service' });
    expect(await post(bot.url, {})).toMatchObject({ status: 400, text: 'no_text' });
    expect(await post(bot.url, { text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }] })).toMatchObject({ status: 400, text: 'invalid_blocks' });
    const answers = await Promise.all(Array.from({ length: 4 }, () => post(bot.url, { text: 'burst' })));
    const limited = answers.find((one) => one.status === 429)!;
    expect(limited.text).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});

describe('zoom incoming webhook', () => {
  it('wants the bare verification token and a content; format=full needs head and body', async () => {
    const bot = fake.state.addBot('zoom');
    const body = { content: { head: { text: 'T' }, body: [{ type: 'message', text: 'hi' }] } };
    expect((await post(`${bot.url}?format=full`, body, { authorization: bot.secret! })).status).toBe(200);
    expect(fake.state.deliveredTo(bot).at(-1)!.text).toBe('T\nmessage\nhi');
    expect((await post(`${bot.url}?format=full`, body, { authorization: `Bearer ${bot.secret}` })).status).toBe(401);
    expect((await post(`${bot.url}?format=full`, { content: { head: { text: 'T' } } }, { authorization: bot.secret! })).status).toBe(400);
    expect((await post(`${bot.url}?format=full`, {}, { authorization: bot.secret! })).status).toBe(400);
    expect((await post(`${bot.url}x`, body, { authorization: bot.secret! })).status).toBe(404);
  });
});
