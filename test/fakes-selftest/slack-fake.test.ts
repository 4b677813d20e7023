/**
 * The fake Slack Web API against the real `@slack/web-api` WebClient (the one Bolt ships): if the client is happy
 * with the fake's answers, the app's code talks to the fake as it would to Slack.
 */
import { webApi } from '@slack/bolt';
import { startFakeSlack, slackVisibleText, type FakeSlack } from '../fakes/slack-web-api.js';

const TOKEN = 'xoxb-selftest';
const TS = /^\d{10}\.\d{6}$/;
/** The WebClient logs Slack's `response_metadata.messages` as errors; the tests look at the errors themselves. */
const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => webApi.LogLevel.ERROR,
  setName: () => undefined,
};

describe('fake Slack Web API with the real WebClient', () => {
  let fake: FakeSlack;
  let client: webApi.WebClient;

  const clientWith = (options: webApi.WebClientOptions = {}, token = TOKEN) =>
    new webApi.WebClient(token, { slackApiUrl: fake.url, logger: quiet, retryConfig: { retries: 0 }, ...options });

  /** The error a WebClient call rejects with. */
  const failure = async (call: Promise<unknown>): Promise<any> => {
    try {
      await call;
    } catch (error) {
      return error;
    }
    throw new Error('the call succeeded');
  };

  beforeAll(async () => {
    fake = await startFakeSlack({ botToken: TOKEN });
    client = clientWith();
  });
  afterAll(async () => {
    await fake?.close();
  });
  beforeEach(() => {
    fake.state.postingLimit.enabled = true;
    fake.state.injectFailures.length = 0;
  });

  it('auth.test names the bot and the workspace; a missing, unknown or revoked token is refused', async () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const identity = await client.auth.test();
    expect(identity).toMatchObject({ ok: true, user_id: fake.state.bot.userId, bot_id: fake.state.bot.botId, team_id: fake.state.team.id });
    expect(identity.response_metadata?.scopes).toEqual(expect.arrayContaining(['chat:write', 'users:read.email']));
    const request = fake.state.requestsTo('auth.test').at(-1)!;
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.contentType).toBe('application/x-www-form-urlencoded');

    expect(await failure(clientWith({}, 'xoxb-someone-else').auth.test())).toMatchObject({ code: 'slack_webapi_platform_error', data: { ok: false, error: 'invalid_auth' } });
    const anonymous = await fetch(`${fake.url}auth.test`, { method: 'POST' });
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ ok: false, error: 'not_authed' });

    const other = await startFakeSlack({ botToken: 'xoxb-revoked' });
    try {
      other.state.revokeToken();
      const revoked = new webApi.WebClient('xoxb-revoked', { slackApiUrl: other.url, logger: quiet, retryConfig: { retries: 0 } });
      expect(await failure(revoked.auth.test())).toMatchObject({ data: { error: 'token_revoked' } });
    } finally {
      await other.close();
    }
  });

  it('chat.postMessage stores text, blocks and attachments parsed, with a Slack-shaped ts; chat.update changes only what it sends', async () => {
    const channel = fake.state.addChannel({ name: 'ops-alerts' });
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*hello*' } }];
    const attachments = [{ color: '#d0021b', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'Disk full' } }] }];
    const posted = await client.chat.postMessage({ channel: channel.id, text: 'fallback', blocks, attachments });
    expect(posted).toMatchObject({ ok: true, channel: channel.id, ts: expect.stringMatching(TS), message: { text: 'fallback', bot_id: fake.state.bot.botId, blocks, attachments } });
    const request = fake.state.requestsTo('chat.postMessage').at(-1)!;
    expect(request.args).toMatchObject({ channel: channel.id, text: 'fallback', blocks, attachments });

    const [stored] = fake.state.messagesIn(channel.id);
    expect(stored).toMatchObject({ ts: posted.ts, text: 'fallback', blocks, attachments, user: fake.state.bot.userId, updates: 0 });

    // By name too, as Slack allows for posting.
    const byName = await client.chat.postMessage({ channel: '#ops-alerts', text: 'second' });
    expect(byName.channel).toBe(channel.id);
    expect(Number(byName.ts)).toBeGreaterThan(Number(posted.ts));

    const updated = await client.chat.update({ channel: channel.id, ts: posted.ts!, text: 'now acknowledged' });
    expect(updated).toMatchObject({ ok: true, channel: channel.id, ts: posted.ts, text: 'now acknowledged' });
    const after = fake.state.message(channel.id, posted.ts!)!;
    expect(after).toMatchObject({ text: 'now acknowledged', blocks, attachments, updates: 1 });
    expect(after.history).toHaveLength(2);
    await client.chat.update({ channel: channel.id, ts: posted.ts!, text: 't', blocks: [] });
    expect(fake.state.message(channel.id, posted.ts!)!.blocks).toEqual([]);
  });

  it('posting errors: channel_not_found, not_in_channel (unless chat:write.public), is_archived, no_text, invalid_blocks', async () => {
    expect(await failure(client.chat.postMessage({ channel: 'C0NOSUCHONE', text: 'x' }))).toMatchObject({ data: { error: 'channel_not_found' } });
    const outside = fake.state.addChannel({ name: 'outside', botIsMember: false });
    const secret = fake.state.addChannel({ name: 'secret', isPrivate: true, botIsMember: false });
    expect(secret.id).toMatch(/^G/);
    expect((await client.chat.postMessage({ channel: outside.id, text: 'public, chat:write.public granted' })).ok).toBe(true);
    expect(await failure(client.chat.postMessage({ channel: secret.id, text: 'x' }))).toMatchObject({ data: { error: 'channel_not_found' } });
    fake.state.removeScopes('chat:write.public');
    try {
      expect(await failure(client.chat.postMessage({ channel: outside.id, text: 'x' }))).toMatchObject({ data: { error: 'not_in_channel' } });
    } finally {
      fake.state.grantScopes('chat:write.public');
    }
    const archived = fake.state.addChannel({ name: 'old', archived: true });
    expect(await failure(client.chat.postMessage({ channel: archived.id, text: 'x' }))).toMatchObject({ data: { error: 'is_archived' } });
    const room = fake.state.addChannel({ name: 'room' });
    expect(await failure(client.chat.postMessage({ channel: room.id } as any))).toMatchObject({ data: { error: 'no_text' } });

    const tooLong = await failure(client.chat.postMessage({ channel: room.id, text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }] }));
    expect(tooLong.data).toMatchObject({ error: 'invalid_blocks', errors: ['must be less than 151 characters [json-pointer:/blocks/0/text/text]'] });
    const duplicate = await failure(
      client.chat.postMessage({
        channel: room.id,
        text: 'x',
        attachments: [
          {
            blocks: [
              {
                type: 'actions',
                elements: [
                  { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'A' } },
                  { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'B' } },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(duplicate.data.errors).toEqual(['action_id must be unique [json-pointer:/attachments/0/blocks/0/elements/1/action_id]']);
    const malformed = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ channel: room.id, text: 'x', blocks: '{not json' }).toString(),
    });
    expect(await malformed.json()).toMatchObject({ ok: false, error: 'invalid_blocks_format' });
    expect(fake.state.messagesIn(room.id)).toEqual([]);
  });

  it('length limits: every text at its Block Kit limit is posted, one character more is invalid_blocks; text over 40,000 is msg_too_long', async () => {
    const room = fake.state.addChannel({ name: 'limits' });
    const mrkdwn = (length: number) => ({ type: 'mrkdwn', text: 'x'.repeat(length) });
    const plain = (length: number) => ({ type: 'plain_text', text: 'x'.repeat(length) });
    const blocksAt = (over: number) => [
      { type: 'header', text: plain(150 + over) },
      { type: 'section', text: mrkdwn(3000 + over), fields: [mrkdwn(2000 + over)] },
      { type: 'context', elements: [mrkdwn(3000 + over)] },
      { type: 'actions', elements: [{ type: 'button', action_id: 'b', text: plain(75 + over), value: 'v' }] },
    ];
    expect((await client.chat.postMessage({ channel: room.id, text: 'x'.repeat(40_000), attachments: [{ blocks: blocksAt(0) }] })).ok).toBe(true);
    const over = await failure(client.chat.postMessage({ channel: room.id, text: 'x', attachments: [{ blocks: blocksAt(1) }] }));
    expect(over.data.error).toBe('invalid_blocks');
    expect(over.data.errors).toEqual([
      'must be less than 151 characters [json-pointer:/attachments/0/blocks/0/text/text]',
      'must be less than 3001 characters [json-pointer:/attachments/0/blocks/1/text/text]',
      'must be less than 2001 characters [json-pointer:/attachments/0/blocks/1/fields/0/text]',
      'must be less than 3001 characters [json-pointer:/attachments/0/blocks/2/elements/0/text]',
      'must be less than 76 characters [json-pointer:/attachments/0/blocks/3/elements/0/text/text]',
    ]);
    expect(await failure(client.chat.postMessage({ channel: room.id, text: 'x'.repeat(40_001) }))).toMatchObject({ data: { error: 'msg_too_long' } });
    expect(fake.state.messagesIn(room.id)).toHaveLength(1);
  });

  it('a post to a user id lands in the app DM (a D… channel), which chat.update then addresses by its D… id', async () => {
    const dana = fake.state.addUser({ name: 'dana', email: 'dana@example.com' });
    const dm = await client.chat.postMessage({ channel: dana.id, text: 'your link code is ABCD2345' });
    expect(dm.channel).toMatch(/^D/);
    expect(fake.state.dmChannelOf(dana.id)?.id).toBe(dm.channel);
    expect(fake.state.dmsTo(dana.id).map((message) => message.text)).toEqual(['your link code is ABCD2345']);
    await client.chat.postMessage({ channel: dana.id, text: 'second' });
    expect(fake.state.dmsTo(dana.id)).toHaveLength(2);

    expect((await client.chat.update({ channel: dm.channel!, ts: dm.ts!, text: 'edited' })).ok).toBe(true);
    expect(await failure(client.chat.update({ channel: dana.id, ts: dm.ts!, text: 'x' }))).toMatchObject({ data: { error: 'channel_not_found' } });
    expect(await failure(client.chat.postMessage({ channel: 'U0NOBODY00', text: 'x' }))).toMatchObject({ data: { error: 'channel_not_found' } });
  });

  it('chat.update: message_not_found, and cant_update_message for a message the bot did not post', async () => {
    const channel = fake.state.addChannel({ name: 'updates' });
    const erin = fake.state.addUser({ name: 'erin' });
    const theirs = fake.state.postAsUser(channel.id, erin.id, 'written by a person');
    expect(await failure(client.chat.update({ channel: channel.id, ts: theirs.ts, text: 'x' }))).toMatchObject({
      code: 'slack_webapi_platform_error',
      data: { error: 'cant_update_message' },
    });
    expect(await failure(client.chat.update({ channel: channel.id, ts: '1700000000.000100', text: 'x' }))).toMatchObject({ data: { error: 'message_not_found' } });
    expect(fake.state.message(channel.id, theirs.ts)!.text).toBe('written by a person');
  });

  it('users.info shows profile.email only with users:read.email; users.lookupByEmail needs it; missing scopes are named', async () => {
    const frank = fake.state.addUser({ name: 'frank', realName: 'Frank Ops', email: 'Frank@Example.com', phone: '+1 555 0100' });
    const info = await client.users.info({ user: frank.id });
    expect(info.user).toMatchObject({ id: frank.id, name: 'frank', real_name: 'Frank Ops', profile: { email: 'Frank@Example.com', phone: '+1 555 0100' } });
    expect((await client.users.lookupByEmail({ email: 'frank@example.com' })).user?.id).toBe(frank.id);
    expect(await failure(client.users.lookupByEmail({ email: 'nobody@example.com' }))).toMatchObject({ data: { error: 'users_not_found' } });
    expect(await failure(client.users.info({ user: 'U0NOBODY00' }))).toMatchObject({ data: { error: 'user_not_found' } });

    fake.state.removeScopes('users:read.email');
    try {
      const withoutEmail = await client.users.info({ user: frank.id });
      expect(withoutEmail.user?.profile?.email).toBeUndefined();
      expect(await failure(client.users.lookupByEmail({ email: 'frank@example.com' }))).toMatchObject({
        data: { error: 'missing_scope', needed: 'users:read.email' },
      });
      fake.state.removeScopes('users:read');
      expect(await failure(client.users.info({ user: frank.id }))).toMatchObject({ data: { error: 'missing_scope', needed: 'users:read' } });
    } finally {
      fake.state.grantScopes('users:read', 'users:read.email');
    }
  });

  it('chat.postEphemeral reaches a channel member only', async () => {
    const gail = fake.state.addUser({ name: 'gail' });
    const hank = fake.state.addUser({ name: 'hank' });
    const channel = fake.state.addChannel({ name: 'ephemeral', members: [gail.id] });
    const sent = await client.chat.postEphemeral({ channel: channel.id, user: gail.id, text: 'only you' });
    expect(sent.message_ts).toMatch(TS);
    expect(fake.state.ephemeralsFor(gail.id, channel.id)).toEqual([expect.objectContaining({ text: 'only you', source: 'chat.postEphemeral' })]);
    expect(await failure(client.chat.postEphemeral({ channel: channel.id, user: hank.id, text: 'x' }))).toMatchObject({ data: { error: 'user_not_in_channel' } });
    expect(fake.state.messagesIn(channel.id)).toEqual([]);
  });

  it('an injected 429 surfaces as a rate-limited error with retryAfter when rejectRateLimitedCalls is true', async () => {
    const channel = fake.state.addChannel({ name: 'throttled' });
    const posted = await client.chat.postMessage({ channel: channel.id, text: 'before' });
    fake.state.rateLimitNext('chat.update', 7, { match: (args) => args.ts === posted.ts });
    const rejecting = clientWith({ rejectRateLimitedCalls: true });
    const error = await failure(rejecting.chat.update({ channel: channel.id, ts: posted.ts!, text: 'after' }));
    expect(error).toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 7 });
    const throttled = fake.state.requestsTo('chat.update').at(-1)!;
    expect(throttled).toMatchObject({ status: 429, retryAfter: 7, error: 'ratelimited' });
    expect(fake.state.injectFailures).toEqual([]);
    expect(fake.state.message(channel.id, posted.ts!)!.text).toBe('before');
    // Used up: the next call goes through.
    expect((await rejecting.chat.update({ channel: channel.id, ts: posted.ts!, text: 'after' })).ok).toBe(true);
  });

  it('without rejectRateLimitedCalls the WebClient honours Retry-After and retries by itself', async () => {
    const channel = fake.state.addChannel({ name: 'patient' });
    fake.state.rateLimitNext('chat.postMessage', 1);
    const patient = clientWith({ retryConfig: { retries: 1, factor: 1, minTimeout: 0, maxTimeout: 0 } });
    const started = Date.now();
    const posted = await patient.chat.postMessage({ channel: channel.id, text: 'eventually' });
    expect(posted.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.state.requestsTo('chat.postMessage').filter((request) => request.args.channel === channel.id).map((request) => request.status)).toEqual([429, 200]);
  });

  it('the per-channel posting limit allows a short burst, then 429 with Retry-After; other channels are not affected; it can be switched off', async () => {
    const busy = fake.state.addChannel({ name: 'busy' });
    const quiet = fake.state.addChannel({ name: 'quiet' });
    const rejecting = clientWith({ rejectRateLimitedCalls: true });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await rejecting.chat.postMessage({ channel: busy.id, text: `m${i}` }).then(() => 'ok', (error) => error.code));
    expect(results).toEqual(['ok', 'ok', 'ok', 'slack_webapi_rate_limited_error', 'slack_webapi_rate_limited_error']);
    const limited = fake.state.requestsTo('chat.postMessage').filter((request) => request.status === 429).at(-1)!;
    expect(limited.retryAfter).toBeGreaterThanOrEqual(1);
    expect((await rejecting.chat.postMessage({ channel: quiet.id, text: 'fine' })).ok).toBe(true);
    expect(fake.state.messagesIn(busy.id)).toHaveLength(3);

    fake.state.postingLimit.enabled = false;
    for (let i = 0; i < 5; i++) expect((await rejecting.chat.postMessage({ channel: busy.id, text: `n${i}` })).ok).toBe(true);
  });

  it('chat.update is limited per workspace (Tier 3): a burst, then 429 with Retry-After across every channel, the message left as it was', async () => {
    const first = fake.state.addChannel({ name: 'updates-a' });
    const second = fake.state.addChannel({ name: 'updates-b' });
    const rejecting = clientWith({ rejectRateLimitedCalls: true });
    const a = await client.chat.postMessage({ channel: first.id, text: 'a' });
    const b = await client.chat.postMessage({ channel: second.id, text: 'b' });
    const saved = { ...fake.state.updateLimit };
    fake.state.updateLimit.perMinute = 60;
    fake.state.updateLimit.burst = 3;
    try {
      const results = [];
      // Two channels, two messages: one budget.
      for (const [index, target] of [a, b, a, b].entries()) {
        results.push(await rejecting.chat.update({ channel: target.channel!, ts: target.ts!, text: `edit ${index}` }).then(() => 'ok', (error) => error.code));
      }
      expect(results).toEqual(['ok', 'ok', 'ok', 'slack_webapi_rate_limited_error']);
      const limited = fake.state.requestsTo('chat.update').at(-1)!;
      expect(limited).toMatchObject({ status: 429, retryAfter: 1, error: 'ratelimited' });
      expect(fake.state.message(second.id, b.ts!)!.text).toBe('edit 1');
      // Other methods keep their own limits.
      expect((await rejecting.chat.postMessage({ channel: second.id, text: 'still posting' })).ok).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 1050));
      expect((await rejecting.chat.update({ channel: second.id, ts: b.ts!, text: 'later' })).ok).toBe(true);

      fake.state.updateLimit.enabled = false;
      for (let i = 0; i < 5; i++) expect((await rejecting.chat.update({ channel: first.id, ts: a.ts!, text: `free ${i}` })).ok).toBe(true);
    } finally {
      Object.assign(fake.state.updateLimit, saved);
    }
  });

  it('injected platform errors answer HTTP 200 ok:false, for the matching calls and the given number of times', async () => {
    const channel = fake.state.addChannel({ name: 'flaky' });
    fake.state.failNext('chat.postMessage', 'fatal_error', { times: 2, match: (args) => args.text === 'boom' });
    expect((await client.chat.postMessage({ channel: channel.id, text: 'unaffected' })).ok).toBe(true);
    expect(await failure(client.chat.postMessage({ channel: channel.id, text: 'boom' }))).toMatchObject({ data: { error: 'fatal_error' } });
    expect(await failure(client.chat.postMessage({ channel: channel.id, text: 'boom' }))).toMatchObject({ data: { error: 'fatal_error' } });
    expect((await client.chat.postMessage({ channel: channel.id, text: 'boom' })).ok).toBe(true);
    expect(fake.state.requestsTo('chat.postMessage').filter((request) => request.args.channel === channel.id).map((request) => request.status)).toEqual([200, 200, 200, 200]);
  });

  it('JSON bodies work with the token in the header (missing charset earns a warning); unknown methods answer unknown_method', async () => {
    const channel = fake.state.addChannel({ name: 'json' });
    const post = (contentType: string) =>
      fetch(`${fake.url}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType },
        body: JSON.stringify({ channel: channel.id, text: 'via json', blocks: [{ type: 'divider' }] }),
      }).then((response) => response.json());
    expect(await post('application/json; charset=utf-8')).toMatchObject({ ok: true, channel: channel.id });
    expect(await post('application/json')).toMatchObject({ ok: true, warning: 'missing_charset' });
    expect(fake.state.messagesIn(channel.id)[0].blocks).toEqual([{ type: 'divider' }]);
    const unknown = await fetch(`${fake.url}chat.frobnicate`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ ok: false, error: 'unknown_method', req_method: 'chat.frobnicate' });
  });

  it('response URLs capture what is posted to them and apply it: ephemeral, in_channel, replace_original; five uses at most', async () => {
    const ivan = fake.state.addUser({ name: 'ivan' });
    const channel = fake.state.addChannel({ name: 'responses', members: [ivan.id] });
    const original = await client.chat.postMessage({ channel: channel.id, text: 'original' });
    const url = fake.state.newResponseUrl({ kind: 'action', channel: channel.id, user: ivan.id, messageTs: original.ts });
    expect(url.startsWith(`${fake.origin}/response/`)).toBe(true);
    const respond = (body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    expect((await respond({ response_type: 'ephemeral', replace_original: false, text: 'just you' })).status).toBe(200);
    expect(fake.state.ephemeralsFor(ivan.id)).toEqual([expect.objectContaining({ text: 'just you', source: 'response_url', channel: channel.id })]);
    await respond({ response_type: 'in_channel', text: 'everyone' });
    expect(fake.state.messagesIn(channel.id).map((message) => message.text)).toEqual(['original', 'everyone']);
    await respond({ replace_original: true, text: 'replaced' });
    expect(fake.state.message(channel.id, original.ts!)).toMatchObject({ text: 'replaced', updates: 1 });
    expect(fake.state.responsesTo(url).map((response) => response.body.text)).toEqual(['just you', 'everyone', 'replaced']);
    await respond({ text: 'four' });
    await respond({ text: 'five' });
    const sixth = await respond({ text: 'six' });
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: 'expired_url' });
    expect(fake.state.responsesTo(url)).toHaveLength(5);
    const unknown = await fetch(`${fake.origin}/response/T0/1/nothing`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"x"}' });
    expect(unknown.status).toBe(404);
  });

  it('slackVisibleText shows mrkdwn as a person sees it', () => {
    const user = fake.state.addUser({ name: 'judy' });
    expect(slackVisibleText(`<@${user.id}> ack &lt;id&gt; &amp; <https://x.test|the link> <!here>`, fake.state.users)).toBe('@judy ack <id> & the link @here');
    // Unescaped brackets are markup: Slack makes a link of them, and the brackets are gone.
    expect(slackVisibleText('ack <id>')).toBe('ack id');
  });
});
