/**
 * A local fake of the six group-bot webhooks, one HTTP server for all of them, checking what the real ones check and
 * answering as they answer (`/work/shared/reference/slack-dingtalk-bots.md`, `feishu.md` §1):
 *
 *   const fake = await startFakeWebhookBots();
 *   const bot = fake.state.addBot('dingtalk', { secret: 'SEC…', keyword: 'alert' });   // bot.url, bot.secret …
 *
 * Paths (each kind's own shape, below one origin):
 *   feishu    POST /feishu/open-apis/bot/v2/hook/<token>         HTTP 200 always; `code` 0 or 9499 (bad JSON, body over
 *             20 KB, bad post shape), 19001 (unknown token), 19002 (msg_type missing/unknown), 19021 (sign wrong or
 *             timestamp more than 3600 s off), 19024 (keyword in no text value), 11232 (over 5/s or 100/min).
 *   dingtalk  POST /dingtalk/robot/send?access_token=…[&timestamp=<ms>&sign=…]   `errcode` 0 or 300001 (unknown
 *             token), 310000 "sign not match" / "invalid timestamp" (over 1 hour off) / "keywords not in content"
 *             (text, markdown title+text), 40035 (msgtype or its fields missing), 130101 over 20 in a minute — then
 *             every message is refused for `dingtalkBlockMs` (10 minutes). A markdown/text over 20,000 bytes:
 *             460101 "message too long" (DingTalk documents no answer for it; this code is the fake's assumption).
 *   wecom     POST /wecom/cgi-bin/webhook/send?key=…            `errcode` 0 or 93000 (unknown key), 40008 (msgtype),
 *             40058 (text over 2048 bytes, markdown over 4096), 45009 (over 20 in a minute).
 *   telegram  POST /telegram/bot<token>/sendMessage            `{ok:true,result}` or HTTP 404 (unknown token), 400
 *             "chat not found", "message text is empty", "message is too long" (over 4096 characters after entity
 *             parsing), "can't parse entities: …" (HTML parse mode: unknown tag, unclosed tag, bad entity, bare `<`/`&`),
 *             429 `parameters.retry_after` (over 20 a minute in one chat).
 *   slack     POST /slack/services/<T>/<B>/<secret>             200 `ok`, or 404 `no_service` (unknown), 400 `no_text`,
 *             400 `invalid_blocks` (a section text over 3000, text over 40,000), 429 `Retry-After` (over 1/s, burst 3).
 *   zoom      POST /zoom/inc/<id>?format=full                   200, or 401 (Authorization is not the verification
 *             token, given bare as Zoom wants, not `Bearer …`), 404 (unknown endpoint), 400 (no `content`, or `format=full`
 *             without `content.head.text`/`content.body`).
 *
 * Every request lands in `state.requests`; what was accepted in `state.delivered` (with the mentions it carried).
 * `state.limits.enabled = false` switches the rate limits off; `state.limits.<kind>` holds each window (real by default).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeBotKind = 'feishu' | 'dingtalk' | 'wecom' | 'telegram' | 'slack' | 'zoom';

export interface FakeBot {
  kind: FakeBotKind;
  id: string;
  /** What an admin pastes: the webhook URL (Telegram: the bot's API base, `…/bot<token>`). */
  url: string;
  secret?: string;
  keyword?: string;
  /** Telegram's chat id. */
  chatId?: string;
}

export interface FakeBotRequest {
  kind: FakeBotKind;
  botId?: string;
  at: number;
  status: number;
  answer: string;
  body: string;
  headers: IncomingMessage['headers'];
  url: string;
}

export interface FakeBotMessage {
  kind: FakeBotKind;
  botId: string;
  at: number;
  body: any;
  /** The visible text (all text values joined). */
  text: string;
  /** Who the message really @mentions (user ids, mobiles). */
  mentions: string[];
}

const WINDOW_MINUTE = 60_000;

class Window {
  private readonly times = new Map<string, number[]>();
  /** Whether one more call for `key` fits `limit` calls per `ms`; counts it when it does. */
  take(key: string, limit: number, ms: number, now = Date.now()): boolean {
    const recent = (this.times.get(key) ?? []).filter((at) => at > now - ms);
    this.times.set(key, recent);
    if (recent.length >= limit) return false;
    recent.push(now);
    return true;
  }
  /** When the oldest call of the window leaves it. */
  freeAt(key: string, ms: number): number {
    return (this.times.get(key)?.[0] ?? Date.now()) + ms;
  }
}

export class FakeWebhookBotsState {
  readonly bots = new Map<string, FakeBot>();
  readonly requests: FakeBotRequest[] = [];
  readonly delivered: FakeBotMessage[] = [];
  /** Each kind's real limits; a test may shrink a window to see the answer without waiting a minute. */
  readonly limits = {
    enabled: true,
    dingtalkBlockMs: 10 * 60_000,
    feishuPerSecond: 5,
    feishu: { count: 100, ms: WINDOW_MINUTE },
    dingtalk: { count: 20, ms: WINDOW_MINUTE },
    wecom: { count: 20, ms: WINDOW_MINUTE },
    telegram: { count: 20, ms: WINDOW_MINUTE },
    slack: { count: 3, ms: 1000 },
  };
  /** Telegram chats that exist (a bot's own chat is added with it). */
  readonly telegramChats = new Set<string>();
  private readonly dingtalkBlockedUntil = new Map<string, number>();
  readonly second = new Window();
  readonly minute = new Window();

  constructor(readonly origin: string) {}

  addBot(kind: FakeBotKind, options: { secret?: string; keyword?: string } = {}): FakeBot {
    const id = randomBytes(8).toString('hex');
    const paths: Record<FakeBotKind, string> = {
      feishu: `/feishu/open-apis/bot/v2/hook/${id}`,
      dingtalk: `/dingtalk/robot/send?access_token=${id}`,
      wecom: `/wecom/cgi-bin/webhook/send?key=${id}`,
      telegram: `/telegram/bot${id}:AA${randomBytes(6).toString('hex')}`,
      slack: `/slack/services/T0001/B${id.toUpperCase()}/${randomBytes(8).toString('hex')}`,
      zoom: `/zoom/inc/${id}`,
    };
    const bot: FakeBot = { kind, id, url: `${this.origin}${paths[kind]}`, ...options };
    if (kind === 'zoom') bot.secret = options.secret ?? randomBytes(10).toString('hex');
    if (kind === 'telegram') {
      bot.chatId = `-100${Math.floor(Math.random() * 1e10)}`;
      this.telegramChats.add(bot.chatId);
    }
    this.bots.set(`${kind}:${id}`, bot);
    return bot;
  }

  removeBot(bot: FakeBot): void {
    this.bots.delete(`${bot.kind}:${bot.id}`);
  }

  deliveredTo(bot: FakeBot): FakeBotMessage[] {
    return this.delivered.filter((message) => message.kind === bot.kind && message.botId === bot.id);
  }

  requestsTo(bot: FakeBot): FakeBotRequest[] {
    return this.requests.filter((request) => request.kind === bot.kind && request.botId === bot.id);
  }

  find(kind: FakeBotKind, id: string | undefined): FakeBot | undefined {
    return id === undefined ? undefined : this.bots.get(`${kind}:${id}`);
  }

  /** DingTalk: 20 a minute, and after that nothing for `dingtalkBlockMs`. */
  dingtalkAllowed(id: string, now = Date.now()): boolean {
    if (!this.limits.enabled) return true;
    if ((this.dingtalkBlockedUntil.get(id) ?? 0) > now) return false;
    if (this.minute.take(`dingtalk:${id}`, this.limits.dingtalk.count, this.limits.dingtalk.ms, now)) return true;
    this.dingtalkBlockedUntil.set(id, now + this.limits.dingtalkBlockMs);
    return false;
  }
}

export interface FakeWebhookBots {
  origin: string;
  state: FakeWebhookBotsState;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
  botId?: string;
  delivered?: Omit<FakeBotMessage, 'kind' | 'botId' | 'at'>;
}

const json = (value: unknown, status = 200, botId?: string, headers?: Record<string, string>): Answer => ({ status, body: JSON.stringify(value), botId, headers });

function parseJson(body: string): any {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Every string value under `node` (Feishu checks keywords on text values; visible text for tests). */
function textValues(node: unknown, found: string[] = []): string[] {
  if (typeof node === 'string') found.push(node);
  else if (Array.isArray(node)) for (const item of node) textValues(item, found);
  else if (node && typeof node === 'object') for (const [key, value] of Object.entries(node)) if (key !== 'href' && key !== 'tag' && key !== 'user_id') textValues(value, found);
  return found;
}

// ---------------------------------------------------------------- Feishu

function feishu(state: FakeWebhookBotsState, token: string, raw: string, now: number): Answer {
  const fail = (code: number, msg: string) => json({ code, msg, data: {} }, 200, token);
  if (Buffer.byteLength(raw) > 20 * 1024) return fail(9499, 'Bad Request');
  const body = parseJson(raw);
  if (!body || typeof body !== 'object') return fail(9499, 'Bad Request');
  const bot = state.find('feishu', token);
  if (!bot) return fail(19001, 'param invalid: incoming webhook access token invalid');
  if (bot.secret) {
    const timestamp = Number(body.timestamp);
    const expected = createHmac('sha256', `${body.timestamp}\n${bot.secret}`).update('').digest('base64');
    if (!Number.isFinite(timestamp) || Math.abs(now / 1000 - timestamp) > 3600 || body.sign !== expected) return fail(19021, 'sign match fail or timestamp is not within one hour from current time');
  }
  let texts: string[];
  const mentions: string[] = [];
  if (body.msg_type === 'text') {
    if (typeof body.content?.text !== 'string') return fail(9499, 'Bad Request');
    texts = [body.content.text];
    for (const match of body.content.text.matchAll(/<at user_id="([^"]+)">/g)) mentions.push(match[1]);
  } else if (body.msg_type === 'post') {
    const locales = body.content?.post && typeof body.content.post === 'object' ? Object.values(body.content.post) : [];
    if (locales.length === 0) return fail(9499, 'Bad Request');
    texts = [];
    for (const locale of locales as any[]) {
      if (!Array.isArray(locale?.content) || !locale.content.every((paragraph: unknown) => Array.isArray(paragraph))) return fail(9499, 'Bad Request');
      if (typeof locale.title === 'string') texts.push(locale.title);
      for (const element of locale.content.flat()) {
        if (!['text', 'a', 'at', 'img'].includes(element?.tag)) return fail(9499, 'Bad Request');
        if (element.tag === 'at') mentions.push(String(element.user_id));
        else if (typeof element.text === 'string') texts.push(element.text);
      }
    }
  } else if (body.msg_type === undefined) {
    return fail(19002, 'params error, msg_type need');
  } else {
    return fail(19002, 'param invalid: msg_type');
  }
  if (bot.keyword && !texts.some((text) => text.includes(bot.keyword!))) return fail(19024, 'Key Words Not Found');
  if (state.limits.enabled && (!state.second.take(`feishu:${token}`, state.limits.feishuPerSecond, 1000, now) || !state.minute.take(`feishu:${token}`, state.limits.feishu.count, state.limits.feishu.ms, now))) return fail(11232, 'frequency limited psm[lark.oapi.app_platform_runtime]appID[1]');
  return { ...json({ StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' }, 200, token), delivered: { body, text: texts.join('\n'), mentions } };
}

// ---------------------------------------------------------------- DingTalk

function dingtalk(state: FakeWebhookBotsState, query: URLSearchParams, raw: string, now: number): Answer {
  const token = query.get('access_token') ?? undefined;
  const fail = (errcode: number, errmsg: string) => json({ errcode, errmsg }, 200, token);
  const bot = state.find('dingtalk', token);
  if (!bot) return fail(300001, 'token is not exist');
  if (bot.secret) {
    const timestamp = Number(query.get('timestamp'));
    if (!Number.isFinite(timestamp) || Math.abs(now - timestamp) > 3600_000) return fail(310000, 'invalid timestamp');
    // URLSearchParams has decoded the sign once: it must now be the plain base64 (a sign encoded twice stays encoded).
    const expected = createHmac('sha256', bot.secret).update(`${query.get('timestamp')}\n${bot.secret}`).digest('base64');
    if (query.get('sign') !== expected) return fail(310000, 'sign not match');
  }
  const body = parseJson(raw);
  if (!body || typeof body !== 'object') return fail(40035, '缺少参数 json');
  let texts: string[];
  if (body.msgtype === 'text' && typeof body.text?.content === 'string') texts = [body.text.content];
  else if (body.msgtype === 'markdown' && typeof body.markdown?.title === 'string' && typeof body.markdown?.text === 'string') texts = [body.markdown.title, body.markdown.text];
  else if (['actionCard', 'link', 'feedCard'].includes(body.msgtype)) texts = textValues(body[body.msgtype]);
  else return fail(40035, '缺少参数 msgtype');
  if (texts.some((text) => Buffer.byteLength(text) > 20_000)) return fail(460101, 'message too long');
  if (bot.keyword && !texts.some((text) => text.includes(bot.keyword!))) return fail(310000, 'keywords not in content');
  if (!state.dingtalkAllowed(bot.id, now)) return fail(130101, 'send too fast, exceed 20 times per minute');
  const shown = texts.join('\n');
  // A mobile in atMobiles is mentioned only when the text shows `@<mobile>` too.
  const mobiles: string[] = Array.isArray(body.at?.atMobiles) ? body.at.atMobiles.map(String) : [];
  const mentions = mobiles.filter((mobile) => shown.includes(`@${mobile}`));
  if (body.at?.isAtAll === true) mentions.push('@all');
  return { ...json({ errcode: 0, errmsg: 'ok' }, 200, token), delivered: { body, text: shown, mentions } };
}

// ---------------------------------------------------------------- WeCom

function wecom(state: FakeWebhookBotsState, query: URLSearchParams, raw: string, now: number): Answer {
  const key = query.get('key') ?? undefined;
  const fail = (errcode: number, errmsg: string) => json({ errcode, errmsg }, 200, key);
  const bot = state.find('wecom', key);
  if (!bot) return fail(93000, 'invalid webhook url, hint: [1700000000_1], from ip: 127.0.0.1');
  const body = parseJson(raw);
  if (!body || typeof body !== 'object') return fail(40008, 'invalid message type');
  let text: string;
  const mentions: string[] = [];
  if (body.msgtype === 'text' && typeof body.text?.content === 'string') {
    text = body.text.content;
    if (Buffer.byteLength(text) > 2048) return fail(40058, 'content exceed max length 2048');
    for (const id of [...(body.text.mentioned_list ?? []), ...(body.text.mentioned_mobile_list ?? [])]) mentions.push(String(id));
  } else if (body.msgtype === 'markdown' && typeof body.markdown?.content === 'string') {
    text = body.markdown.content;
    if (Buffer.byteLength(text) > 4096) return fail(40058, 'markdown.content exceed max length 4096');
    for (const match of text.matchAll(/<@([^>]+)>/g)) mentions.push(match[1]);
  } else return fail(40008, 'invalid message type');
  if (state.limits.enabled && !state.minute.take(`wecom:${key}`, state.limits.wecom.count, state.limits.wecom.ms, now)) return fail(45009, 'api freq out of limit');
  return { ...json({ errcode: 0, errmsg: 'ok' }, 200, key), delivered: { body, text, mentions } };
}

// ---------------------------------------------------------------- Telegram

const TELEGRAM_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'a', 'code', 'pre', 'tg-spoiler', 'blockquote', 'span']);

/** Telegram's HTML parse mode: the text shown and the user ids mentioned, or the parse error it answers. */
export function parseTelegramHtml(html: string): { text: string; mentions: string[] } | { error: string } {
  const open: string[] = [];
  const mentions: string[] = [];
  let text = '';
  const token = /<(\/?)([a-zA-Z-]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*>|&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);|([<>&])|([^<>&]+)/g;
  for (const match of html.matchAll(token)) {
    const [, closing, tag, attributes, entity, bare, plain] = match;
    if (plain !== undefined) text += plain;
    else if (bare === '<' || bare === '&') return { error: `Bad Request: can't parse entities: Unsupported start tag or unescaped "${bare}" at byte offset ${match.index}` };
    else if (bare === '>') text += '>';
    else if (entity !== undefined) text += entity === 'lt' ? '<' : entity === 'gt' ? '>' : entity === 'amp' ? '&' : entity === 'quot' ? '"' : String.fromCodePoint(entity.startsWith('#x') ? parseInt(entity.slice(2), 16) : Number(entity.slice(1)));
    else {
      const name = tag.toLowerCase();
      if (!TELEGRAM_TAGS.has(name)) return { error: `Bad Request: can't parse entities: Unsupported start tag "${name}" at byte offset ${match.index}` };
      if (closing) {
        if (open.pop() !== name) return { error: `Bad Request: can't parse entities: Unmatched end tag at byte offset ${match.index}, expected "</${open.at(-1) ?? ''}>", found "</${name}>"` };
      } else {
        open.push(name);
        const href = /href="([^"]*)"/.exec(attributes ?? '')?.[1];
        const user = href && /^tg:\/\/user\?id=(\d+)$/.exec(href)?.[1];
        if (name === 'a' && user) mentions.push(user);
      }
    }
  }
  if (open.length) return { error: `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${open.at(-1)}"` };
  return { text, mentions };
}

function telegram(state: FakeWebhookBotsState, token: string, method: string, raw: string, now: number): Answer {
  const id = token.split(':')[0];
  const bot = state.find('telegram', id);
  const fail = (status: number, description: string, extra: Record<string, unknown> = {}) => json({ ok: false, error_code: status, description, ...extra }, status, id);
  if (!bot || !bot.url.endsWith(`/bot${token}`)) return fail(404, 'Not Found');
  if (method !== 'sendMessage') return fail(404, 'Not Found');
  const body = parseJson(raw);
  if (!body) return fail(400, 'Bad Request: invalid JSON');
  if (!state.telegramChats.has(String(body.chat_id))) return fail(400, 'Bad Request: chat not found');
  if (typeof body.text !== 'string' || body.text.trim() === '') return fail(400, 'Bad Request: message text is empty');
  let shown: { text: string; mentions: string[] };
  if (body.parse_mode === 'HTML') {
    const parsed = parseTelegramHtml(body.text);
    if ('error' in parsed) return fail(400, parsed.error);
    shown = parsed;
  } else if (body.parse_mode === undefined) shown = { text: body.text, mentions: [] };
  else return fail(400, `Bad Request: unsupported parse_mode in this fake: ${body.parse_mode}`);
  if (shown.text.length > 4096) return fail(400, 'Bad Request: message is too long');
  if (state.limits.enabled && !state.minute.take(`telegram:${body.chat_id}`, state.limits.telegram.count, state.limits.telegram.ms, now)) {
    const retryAfter = Math.max(1, Math.ceil((state.minute.freeAt(`telegram:${body.chat_id}`, state.limits.telegram.ms) - now) / 1000));
    return fail(429, `Too Many Requests: retry after ${retryAfter}`, { parameters: { retry_after: retryAfter } });
  }
  return { ...json({ ok: true, result: { message_id: state.delivered.length + 1, chat: { id: body.chat_id }, date: Math.floor(now / 1000), text: shown.text } }, 200, id), delivered: { body, ...shown } };
}

// ---------------------------------------------------------------- Slack

function slack(state: FakeWebhookBotsState, path: string, raw: string, now: number): Answer {
  const bot = [...state.bots.values()].find((candidate) => candidate.kind === 'slack' && candidate.url.endsWith(path));
  const plain = (status: number, body: string, headers?: Record<string, string>): Answer => ({ status, body, botId: bot?.id, headers });
  if (!bot) return plain(404, 'no_service');
  const body = parseJson(raw);
  if (!body) return plain(400, 'invalid_payload');
  const hasBlocks = Array.isArray(body.blocks) && body.blocks.length > 0;
  if ((typeof body.text !== 'string' || body.text === '') && !hasBlocks) return plain(400, 'no_text');
  if (typeof body.text === 'string' && body.text.length > 40_000) return plain(400, 'msg_too_long');
  if (hasBlocks && !body.blocks.every((block: any) => block?.type !== 'section' || (typeof block.text?.text === 'string' && block.text.text.length > 0 && block.text.text.length <= 3000))) return plain(400, 'invalid_blocks');
  if (state.limits.enabled && !state.second.take(`slack:${bot.id}`, state.limits.slack.count, state.limits.slack.ms, now)) {
    return plain(429, 'rate_limited', { 'retry-after': String(Math.max(1, Math.ceil((state.second.freeAt(`slack:${bot.id}`, state.limits.slack.ms) - now) / 1000))) });
  }
  const texts = [body.text ?? '', ...(hasBlocks ? body.blocks.map((block: any) => block.text?.text ?? '') : [])];
  const mentions = [...new Set(texts.join('\n').matchAll(/<@([UW][A-Z0-9]+)>|<!(channel|here|everyone)>/g))].map((match) => match[1] ?? `!${match[2]}`);
  return { ...plain(200, 'ok'), delivered: { body, text: texts.join('\n'), mentions: [...new Set(mentions)] } };
}

// ---------------------------------------------------------------- Zoom

function zoom(state: FakeWebhookBotsState, id: string, query: URLSearchParams, headers: IncomingMessage['headers'], raw: string): Answer {
  const bot = state.find('zoom', id);
  if (!bot) return json({ code: 404, message: 'Not Found' }, 404, id);
  if (headers.authorization !== bot.secret) return json({ code: 401, message: 'Invalid authorization token.' }, 401, id);
  const body = parseJson(raw);
  if (!body?.content) return json({ code: 400, message: 'Invalid request body: content is required.' }, 400, id);
  if (query.get('format') === 'full') {
    if (typeof body.content.head?.text !== 'string' || !Array.isArray(body.content.body)) return json({ code: 400, message: 'Invalid request body.' }, 400, id);
    if (body.content.body.some((section: any) => typeof section?.text === 'string' && section.text.length > 4096)) return json({ code: 400, message: 'Message too long.' }, 400, id);
  }
  return { status: 200, body: '', botId: id, delivered: { body, text: textValues(body.content).join('\n'), mentions: [] } };
}

// ---------------------------------------------------------------- server

function route(state: FakeWebhookBotsState, request: IncomingMessage, raw: string): Answer {
  const url = new URL(request.url ?? '/', 'http://fake');
  const now = Date.now();
  if (request.method !== 'POST') return { status: 405, body: 'method not allowed' };
  let match: RegExpExecArray | null;
  if ((match = /^\/feishu\/open-apis\/bot\/v2\/hook\/([^/]+)$/.exec(url.pathname))) return feishu(state, match[1], raw, now);
  if (url.pathname === '/dingtalk/robot/send') return dingtalk(state, url.searchParams, raw, now);
  if (url.pathname === '/wecom/cgi-bin/webhook/send') return wecom(state, url.searchParams, raw, now);
  if ((match = /^\/telegram\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname))) return telegram(state, match[1], match[2], raw, now);
  if (url.pathname.startsWith('/slack/services/')) return slack(state, url.pathname, raw, now);
  if ((match = /^\/zoom\/inc\/([^/]+)$/.exec(url.pathname))) return zoom(state, match[1], url.searchParams, request.headers, raw);
  return { status: 404, body: 'not found' };
}

const KIND_BY_PREFIX: Array<[string, FakeBotKind]> = [
  ['/feishu/', 'feishu'],
  ['/dingtalk/', 'dingtalk'],
  ['/wecom/', 'wecom'],
  ['/telegram/', 'telegram'],
  ['/slack/', 'slack'],
  ['/zoom/', 'zoom'],
];

export async function startFakeWebhookBots(): Promise<FakeWebhookBots> {
  let state!: FakeWebhookBotsState;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const answer = route(state, request, raw);
      const kind = KIND_BY_PREFIX.find(([prefix]) => request.url?.startsWith(prefix))?.[1];
      const at = Date.now();
      if (kind) state.requests.push({ kind, botId: answer.botId, at, status: answer.status, answer: answer.body, body: raw, headers: request.headers, url: request.url ?? '' });
      if (kind && answer.delivered && answer.botId) state.delivered.push({ kind, botId: answer.botId, at, ...answer.delivered });
      const type = answer.body.startsWith('{') ? 'application/json' : 'text/plain';
      response.writeHead(answer.status, { 'content-type': type, ...answer.headers });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state = new FakeWebhookBotsState(origin);
  return {
    origin,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
