/**
 * Proves the Feishu fakes speak the protocol the real `@larksuiteoapi/node-sdk` speaks: the SDK's own
 * Client talks to the fake Open API (token fetched by the SDK itself), and the SDK's own AESCipher /
 * EventDispatcher accept the callback requests the builder produces.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as lark from '@larksuiteoapi/node-sdk';
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-open-api.js';
import {
  botAddedEvent,
  botDeletedEvent,
  buildCallbackRequest,
  cardActionEvent,
  decryptFeishuPayload,
  encryptFeishuPayload,
  feishuSignature,
  messageReceiveEvent,
  signFeishuRequest,
  urlVerification,
} from '../fakes/feishu-callbacks.js';
import { createHash } from 'node:crypto';

const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {}, trace: () => {} };

function card(title: string, updateMulti = true) {
  return {
    schema: '2.0',
    config: { update_multi: updateMulti },
    header: { title: { tag: 'plain_text', content: title }, template: 'red' },
    body: { elements: [{ tag: 'markdown', content: title }] },
  };
}

/** The thrown AxiosError's answer. */
async function rejection(promise: Promise<unknown>): Promise<{ status: number; data: any; headers: Record<string, string> }> {
  try {
    await promise;
  } catch (error: any) {
    if (!error?.response) throw error;
    return { status: error.response.status, data: error.response.data, headers: error.response.headers };
  }
  throw new Error('expected the SDK call to throw');
}

describe('fake Feishu Open API, driven by the real SDK', () => {
  let fake: FakeFeishu;
  let client: lark.Client;
  let appId: string;
  let chatId: string;

  beforeEach(async () => {
    fake = await startFakeFeishu({ apps: {} });
    const app = fake.state.newApp();
    appId = app.appId;
    client = new lark.Client({ appId, appSecret: app.appSecret, domain: fake.url, logger: silent, cache: new lark.DefaultCache() });
    chatId = fake.state.addChat({ name: 'sre', memberOpenIds: [] }).chatId;
  });
  afterEach(async () => {
    await fake.close();
  });

  it('issues a tenant token the SDK fetches and reuses', async () => {
    const sent = await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'interactive', content: JSON.stringify(card('CPU high')) },
    });
    await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'text', content: JSON.stringify({ text: 'hi' }) },
    });
    expect(sent).toMatchObject({ code: 0, msg: 'success', data: { chat_id: chatId, msg_type: 'interactive' } });
    expect(sent.data?.message_id).toMatch(/^om_[0-9a-f]{32}$/);
    expect(JSON.parse(sent.data!.body!.content)).toEqual(card('CPU high'));
    const tokenCalls = fake.state.requestsTo('/open-apis/auth/v3/tenant_access_token/internal');
    expect(tokenCalls).toHaveLength(1);
    expect(tokenCalls[0].body).toEqual({ app_id: appId, app_secret: fake.state.apps.get(appId) });
    const sends = fake.state.requestsTo('/open-apis/im/v1/messages', 'POST');
    expect(sends.map((r) => r.headers.authorization)).toEqual([expect.stringMatching(/^Bearer t-/), sends[0].headers.authorization]);
    expect(fake.state.cardsInChat(chatId)).toHaveLength(1);
    expect(fake.state.messagesInChat(chatId)).toHaveLength(2);
  });

  it('answers a wrong app secret with 10014 at HTTP 200, which the SDK turns into a thrown Error', async () => {
    const bad = new lark.Client({ appId, appSecret: 'wrong', domain: fake.url, logger: silent, cache: new lark.DefaultCache() });
    await expect(
      bad.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: chatId, msg_type: 'text', content: '{"text":"x"}' } }),
    ).rejects.toThrow('failed to get tenant_access_token, code: 10014, msg: app secret invalid');
    const raw = await fetch(`${fake.url}/open-apis/auth/v3/tenant_access_token/internal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: 'cli_unknown', app_secret: 'x' }),
    });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toEqual({ code: 10003, data: {}, msg: 'invalid param' });
  });

  it('answers missing and invalid tokens with 99991661 / 99991663 at HTTP 400 (thrown by the SDK)', async () => {
    const noToken = new lark.Client({ appId, appSecret: 'ignored', domain: fake.url, logger: silent, disableTokenCache: true });
    const missing = await rejection(
      noToken.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: chatId, msg_type: 'text', content: '{"text":"x"}' } }),
    );
    expect(missing).toMatchObject({ status: 400, data: { code: 99991661 } });

    await client.contact.v3.user.batchGetId({ params: { user_id_type: 'open_id' }, data: { emails: [] } });
    fake.state.revokeTokens();
    const invalid = await rejection(client.contact.v3.user.batchGetId({ params: { user_id_type: 'open_id' }, data: { emails: [] } }));
    expect(invalid).toMatchObject({ status: 400, data: { code: 99991663, msg: expect.stringContaining('Invalid access token') } });
  });

  it('patches a card, counts updates, and reports PATCH errors as Feishu does', async () => {
    const sent = await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'interactive', content: JSON.stringify(card('v1')) },
    });
    const messageId = sent.data!.message_id!;
    const patched = await client.im.v1.message.patch({ path: { message_id: messageId }, data: { content: JSON.stringify(card('v2')) } });
    expect(patched).toEqual({ code: 0, data: {}, msg: 'ok' });
    const stored = fake.state.messages.get(messageId)!;
    expect(stored).toMatchObject({ chatId, msgType: 'interactive', updates: 1, content: card('v2') });
    expect(stored.history.map((v: any) => v.content.header.title.content)).toEqual(['v1', 'v2']);
    expect(fake.state.updateMultiViolations).toEqual([]);

    const unknown = await rejection(client.im.v1.message.patch({ path: { message_id: 'om_nope' }, data: { content: JSON.stringify(card('x')) } }));
    expect(unknown).toMatchObject({ status: 400, data: { code: 230001, msg: expect.stringContaining('invalid message_id') } });

    const notJson = await rejection(client.im.v1.message.patch({ path: { message_id: messageId }, data: { content: '{not json' } }));
    expect(notJson.data.code).toBe(230001);

    const tooBig = await rejection(
      client.im.v1.message.patch({ path: { message_id: messageId }, data: { content: JSON.stringify(card('x'.repeat(31 * 1024))) } }),
    );
    expect(tooBig.data.code).toBe(230025);

    // A card without config.update_multi is accepted but recorded.
    await client.im.v1.message.patch({ path: { message_id: messageId }, data: { content: JSON.stringify(card('v3', false)) } });
    expect(fake.state.updateMultiViolations).toEqual([expect.objectContaining({ messageId, which: 'patch' })]);

    fake.state.ageMessage(messageId, 15);
    const old = await rejection(client.im.v1.message.patch({ path: { message_id: messageId }, data: { content: JSON.stringify(card('v4')) } }));
    expect(old).toMatchObject({ status: 400, data: { code: 230031, msg: 'Message can only be modified within 14 days after sending.' } });
    expect(fake.state.messages.get(messageId)!.updates).toBe(2);
  });

  it('answers an edit (PUT) of a card with 230001 and a PATCH of a message that cannot be updated with its code, never a bare 404', async () => {
    const sentCard = await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'interactive', content: JSON.stringify(card('v1')) },
    });
    const cardId = sentCard.data!.message_id!;
    const put = await rejection(client.im.v1.message.update({ path: { message_id: cardId }, data: { msg_type: 'interactive', content: JSON.stringify(card('v2')) } }));
    expect(put).toMatchObject({ status: 400, data: { code: 230001, msg: expect.stringContaining('invalid message_id') } });
    expect(fake.state.messages.get(cardId)).toMatchObject({ updates: 0, content: card('v1') });

    // A text message is edited with PUT, and cannot be PATCHed.
    const sentText = await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'text', content: JSON.stringify({ text: 'first' }) },
    });
    const textId = sentText.data!.message_id!;
    const edited = await client.im.v1.message.update({ path: { message_id: textId }, data: { msg_type: 'text', content: JSON.stringify({ text: 'second' }) } });
    expect(edited).toMatchObject({ code: 0, data: { message_id: textId, msg_type: 'text', updated: true } });
    expect(fake.state.messages.get(textId)!.content).toEqual({ text: 'second' });
    const patchText = await rejection(client.im.v1.message.patch({ path: { message_id: textId }, data: { content: JSON.stringify(card('x')) } }));
    expect(patchText).toMatchObject({ status: 400, data: { code: 230054 } });

    fake.state.recallMessage(cardId);
    const recalled = await rejection(client.im.v1.message.patch({ path: { message_id: cardId }, data: { content: JSON.stringify(card('v3')) } }));
    expect(recalled).toMatchObject({ status: 400, data: { code: 230011, msg: 'The message is recalled.' } });
    const unknown = await rejection(client.im.v1.message.update({ path: { message_id: 'om_nope' }, data: { msg_type: 'text', content: JSON.stringify({ text: 'x' }) } }));
    expect(unknown).toMatchObject({ status: 400, data: { code: 230001 } });
    expect(fake.state.requestsTo('/open-apis/im/v1/messages/').filter((request) => request.status === 404)).toEqual([]);
  });

  it('rejects sends to a chat without the bot, bad content and oversized cards', async () => {
    const outside = fake.state.addChat({ name: 'no bot', botIsMember: false });
    const notMember = await rejection(
      client.im.v1.message.create({
        params: { receive_id_type: 'chat_id' },
        data: { receive_id: outside.chatId, msg_type: 'interactive', content: JSON.stringify(card('x')) },
      }),
    );
    expect(notMember).toMatchObject({ status: 400, data: { code: 230002 } });
    expect(notMember.data.error.log_id).toEqual(expect.any(String));

    const badJson = await rejection(
      client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: chatId, msg_type: 'interactive', content: '{"a":' } }),
    );
    expect(badJson.data).toMatchObject({ code: 230001, msg: expect.stringContaining('content is not a string in json format') });

    const big = await rejection(
      client.im.v1.message.create({
        params: { receive_id_type: 'chat_id' },
        data: { receive_id: chatId, msg_type: 'interactive', content: JSON.stringify(card('x'.repeat(30 * 1024))) },
      }),
    );
    expect(big.data.code).toBe(230025);

    const unknownChat = await rejection(
      client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: 'oc_missing', msg_type: 'text', content: '{"text":"x"}' } }),
    );
    expect(unknownChat.data).toMatchObject({ code: 230001, msg: expect.stringContaining('invalid receive_id') });
    expect(fake.state.messages.size).toBe(0);
  });

  it('measures the size limits on the request body as sent: a card whose content is under 30 KB but whose body, with the content escaped in it, is over is refused; text up to 150 KB passes', async () => {
    const send = (msgType: string, content: string) =>
      client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: chatId, msg_type: msgType, content } });
    const quotes = JSON.stringify(card('"'.repeat(7000)));
    expect(Buffer.byteLength(quotes)).toBeLessThan(30 * 1024);
    expect(Buffer.byteLength(JSON.stringify({ receive_id: chatId, msg_type: 'interactive', content: quotes }))).toBeGreaterThan(30 * 1024);
    expect((await rejection(send('interactive', quotes))).data).toMatchObject({ code: 230025, msg: 'The length of the message content reaches its limit.' });

    const fits = JSON.stringify(card('"'.repeat(3000)));
    expect((await send('interactive', fits)).code).toBe(0);

    const text = (length: number) => JSON.stringify({ text: '磁'.repeat(length) }); // 3 bytes a character
    expect((await send('text', text(49_000))).code).toBe(0);
    expect((await rejection(send('text', text(52_000)))).data.code).toBe(230025);
    expect(fake.state.messages.size).toBe(2);
  });

  it('sends to a user by open_id / email through a p2p chat', async () => {
    const user = fake.state.addUser({ name: 'Ann', email: 'ann@example.com' });
    const a = await client.im.v1.message.create({
      params: { receive_id_type: 'open_id' },
      data: { receive_id: user.open_id, msg_type: 'text', content: '{"text":"hi"}' },
    });
    const b = await client.im.v1.message.create({
      params: { receive_id_type: 'email' },
      data: { receive_id: 'ann@example.com', msg_type: 'text', content: '{"text":"again"}' },
    });
    expect(a.data!.chat_id).toBe(b.data!.chat_id);
    expect(fake.state.chats.get(a.data!.chat_id!)).toMatchObject({ chatType: 'p2p', memberOpenIds: [user.open_id] });
  });

  it('deduplicates sends by uuid', async () => {
    const send = () =>
      client.im.v1.message.create({
        params: { receive_id_type: 'chat_id' },
        data: { receive_id: chatId, msg_type: 'interactive', content: JSON.stringify(card('once')), uuid: 'incident-42-open' },
      });
    const first = await send();
    const second = await send();
    expect(second.data!.message_id).toBe(first.data!.message_id);
    expect(fake.state.cardsInChat(chatId)).toHaveLength(1);
    expect(fake.state.dedupedSends).toBe(1);
  });

  it('rate-limits per chat and per message with 230020 when enforcement is on, and not when off', async () => {
    const frozen = Date.now();
    fake.state.now = () => frozen; // every request lands in the same 1 s window, however slow the machine
    const send = (i: number) =>
      client.im.v1.message.create({
        params: { receive_id_type: 'chat_id' },
        data: { receive_id: chatId, msg_type: 'text', content: JSON.stringify({ text: `m${i}` }) },
      });
    for (let i = 0; i < 5; i++) await send(i);
    const limited = await rejection(send(5));
    expect(limited).toMatchObject({ status: 400, data: { code: 230020, msg: 'This operation triggers the frequency limit.' } });

    const other = fake.state.addChat({ name: 'other' });
    const sent = await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: other.chatId, msg_type: 'interactive', content: JSON.stringify(card('p0')) },
    });
    const patch = (i: number) =>
      client.im.v1.message.patch({ path: { message_id: sent.data!.message_id! }, data: { content: JSON.stringify(card(`p${i}`)) } });
    for (let i = 1; i <= 5; i++) await patch(i);
    expect((await rejection(patch(6))).data.code).toBe(230020);

    fake.state.enforceRateLimits = false;
    for (let i = 10; i < 20; i++) await send(i);
    expect(fake.state.messagesInChat(chatId)).toHaveLength(15);

    fake.state.enforceRateLimits = true;
    fake.state.now = () => frozen + 1001; // the window slides on
    await expect(send(20)).resolves.toMatchObject({ code: 0 });
  });

  it('throttles at the gateway with HTTP 429 99991400 and x-ogw-ratelimit-reset', async () => {
    const frozen = Date.now();
    fake.state.now = () => frozen;
    fake.state.limits.perAppPerSecond = 3;
    const lookup = () => client.contact.v3.user.batchGetId({ params: { user_id_type: 'open_id' }, data: { emails: ['x@example.com'] } });
    for (let i = 0; i < 3; i++) await lookup();
    const limited = await rejection(lookup());
    expect(limited.status).toBe(429);
    expect(limited.data).toMatchObject({ code: 99991400, msg: 'request trigger frequency limit' });
    expect(limited.headers['x-ogw-ratelimit-reset']).toMatch(/^\d+$/);
    expect(limited.headers['x-ogw-ratelimit-limit']).toBe('3');
  });

  it('forces answers with injectFailures', async () => {
    fake.state.injectFailures.push({
      method: 'POST',
      pathPrefix: '/open-apis/im/v1/messages',
      status: 429,
      body: { code: 99991400, msg: 'request trigger frequency limit' },
      headers: { 'x-ogw-ratelimit-reset': '7' },
      times: 1,
    });
    const send = () =>
      client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: chatId, msg_type: 'text', content: '{"text":"x"}' } });
    const forced = await rejection(send());
    expect(forced).toMatchObject({ status: 429, data: { code: 99991400 }, headers: { 'x-ogw-ratelimit-reset': '7' } });
    expect((await send()).code).toBe(0);
    expect(fake.state.injectFailures).toHaveLength(0);
  });

  it('serves contact users by open_id / user_id and resolves emails and mobiles', async () => {
    const ann = fake.state.addUser({ name: 'Ann', email: 'ann@example.com', mobile: '+8613011111111' });
    const got = await client.contact.v3.user.get({ path: { user_id: ann.open_id }, params: { user_id_type: 'open_id' } });
    expect(got).toMatchObject({
      code: 0,
      data: { user: { open_id: ann.open_id, user_id: ann.user_id, union_id: ann.union_id, name: 'Ann', email: 'ann@example.com', mobile: '+8613011111111' } },
    });
    const byUserId = await client.contact.v3.user.get({ path: { user_id: ann.user_id }, params: { user_id_type: 'user_id' } });
    expect(byUserId.data!.user!.open_id).toBe(ann.open_id);

    const missing = await rejection(client.contact.v3.user.get({ path: { user_id: 'ou_nobody' }, params: { user_id_type: 'open_id' } }));
    expect(missing).toMatchObject({ status: 400, data: { code: 41012 } });

    const ids = await client.contact.v3.user.batchGetId({
      params: { user_id_type: 'open_id' },
      data: { emails: ['ann@example.com', 'ghost@example.com'], mobiles: ['13011111111', '13099999999'] },
    });
    expect(ids.code).toBe(0);
    expect(ids.data!.user_list).toEqual([
      expect.objectContaining({ user_id: ann.open_id, email: 'ann@example.com' }),
      { email: 'ghost@example.com' },
      expect.objectContaining({ user_id: ann.open_id, mobile: '13011111111' }),
      { mobile: '13099999999' },
    ]);
  });

  it('answers unknown paths like the gateway: 404 text/plain', async () => {
    const res = await fetch(`${fake.url}/open-apis/nonexistent/v1/foo`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('404 page not found');
  });
});

describe('Feishu callback builder, checked by the SDK', () => {
  const encryptKey = 'enc-key-for-tests';

  it('decrypts the reference vector and round-trips through the SDK AESCipher', () => {
    expect(decryptFeishuPayload('test key', 'P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=')).toBe('hello world');
    expect(new lark.AESCipher('test key').decrypt('P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=')).toBe('hello world');
    // Re-encrypting with the vector's IV reproduces the vector byte for byte.
    const iv = Buffer.from('P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=', 'base64').subarray(0, 16);
    expect(encryptFeishuPayload('test key', 'hello world', iv)).toBe('P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=');

    const event = messageReceiveEvent({ eventId: 'ev1', appId: 'cli_x', token: 'vt', chatId: 'oc_1', chatType: 'group', senderOpenId: 'ou_1', text: 'ack 12', mentionBot: true });
    const encrypted = encryptFeishuPayload(encryptKey, event);
    expect(JSON.parse(new lark.AESCipher(encryptKey).decrypt(encrypted))).toEqual(event);
    expect(encryptFeishuPayload(encryptKey, event)).not.toBe(encrypted); // random IV
  });

  it('signs with hex(sha256(timestamp + nonce + encryptKey + rawBody))', () => {
    const body = '{"encrypt":"abc"}';
    const headers = signFeishuRequest(encryptKey, body, { timestamp: '1700000000', nonce: 'n0nce' });
    const expected = createHash('sha256').update('1700000000' + 'n0nce' + encryptKey + body).digest('hex');
    expect(headers).toEqual({ 'X-Lark-Request-Timestamp': '1700000000', 'X-Lark-Request-Nonce': 'n0nce', 'X-Lark-Signature': expected });
    expect(feishuSignature('1700000000', 'n0nce', encryptKey, body)).toBe(expected);
  });

  it('builds envelopes with the documented shapes', () => {
    const message = messageReceiveEvent({ eventId: 'ev1', appId: 'cli_x', token: 'vt', chatId: 'oc_1', chatType: 'group', senderOpenId: 'ou_1', text: 'ack 12', mentionBot: true, botOpenId: 'ou_bot', botName: 'oncall' });
    expect(message).toMatchObject({
      schema: '2.0',
      header: { event_id: 'ev1', event_type: 'im.message.receive_v1', token: 'vt', app_id: 'cli_x' },
      event: {
        sender: { sender_id: { open_id: 'ou_1' }, sender_type: 'user' },
        message: { chat_id: 'oc_1', chat_type: 'group', message_type: 'text', content: '{"text":"@_user_1 ack 12"}', mentions: [{ key: '@_user_1', id: { open_id: 'ou_bot' }, name: 'oncall' }] },
      },
    });
    const action = cardActionEvent({ eventId: 'ev2', token: 'vt', appId: 'cli_x', operatorOpenId: 'ou_1', value: { action: 'ack', incident: 12 }, openMessageId: 'om_1', openChatId: 'oc_1' });
    expect(action).toMatchObject({
      schema: '2.0',
      header: { event_type: 'card.action.trigger', token: 'vt' },
      event: { operator: { open_id: 'ou_1' }, action: { value: { action: 'ack', incident: 12 }, tag: 'button' }, context: { open_message_id: 'om_1', open_chat_id: 'oc_1' }, token: expect.stringMatching(/^c-/) },
    });
    expect(botAddedEvent({ eventId: 'ev3', chatId: 'oc_1', chatName: 'sre' })).toMatchObject({ header: { event_type: 'im.chat.member.bot.added_v1' }, event: { chat_id: 'oc_1', name: 'sre' } });
    expect(botDeletedEvent({ eventId: 'ev4', chatId: 'oc_1', chatName: 'sre' }).header.event_type).toBe('im.chat.member.bot.deleted_v1');
    expect(urlVerification({ token: 'vt', challenge: 'c1' })).toEqual({ challenge: 'c1', token: 'vt', type: 'url_verification' });
    expect(buildCallbackRequest({ a: 1 })).toEqual({ body: '{"a":1}', headers: expect.not.objectContaining({ 'X-Lark-Signature': expect.anything() }) });
  });

  it('produces requests the SDK EventDispatcher verifies, decrypts and dispatches', async () => {
    const seen: any[] = [];
    const dispatcher = new lark.EventDispatcher({ encryptKey, verificationToken: 'vt', logger: silent }).register({
      'im.message.receive_v1': async (data: any) => {
        seen.push(data);
        return 'handled';
      },
    });
    const event = messageReceiveEvent({ eventId: 'ev9', appId: 'cli_x', token: 'vt', chatId: 'oc_1', chatType: 'group', senderOpenId: 'ou_1', text: 'ack 12', mentionBot: true });
    const request = buildCallbackRequest(event, { encryptKey });
    const lowercased = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const asAdapterBuildsIt = () => Object.assign(Object.create({ headers: lowercased }), JSON.parse(request.body));
    await expect(dispatcher.invoke(asAdapterBuildsIt())).resolves.toBe('handled');
    expect(seen[0]).toMatchObject({ event_id: 'ev9', message: { content: '{"text":"@_user_1 ack 12"}' } });

    const tampered = Object.assign(Object.create({ headers: { ...lowercased, 'x-lark-signature': '0'.repeat(64) } }), JSON.parse(request.body));
    await expect(dispatcher.invoke(tampered)).resolves.toBeUndefined();
  });

  it('answers an encrypted url_verification through the SDK adapter over HTTP', async () => {
    const dispatcher = new lark.EventDispatcher({ encryptKey, verificationToken: 'vt', logger: silent });
    const server: Server = createServer(lark.adaptDefault('/feishu/events', dispatcher, { autoChallenge: true }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const request = buildCallbackRequest(urlVerification({ token: 'vt', challenge: 'challenge-123' }), { encryptKey });
      expect(request.headers['X-Lark-Signature']).toBeUndefined();
      const res = await fetch(`http://127.0.0.1:${port}/feishu/events`, { method: 'POST', headers: request.headers, body: request.body });
      expect(await res.json()).toEqual({ challenge: 'challenge-123' });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
