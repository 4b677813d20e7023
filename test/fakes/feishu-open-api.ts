/**
 * A local fake of the Feishu Open API — just the parts our Feishu app integration uses — that the
 * real `@larksuiteoapi/node-sdk` Client can be pointed at:
 *
 *   const fake = await startFakeFeishu({ apps: { cli_test_1: 'secret' } });
 *   const client = new lark.Client({ appId: 'cli_test_1', appSecret: 'secret', domain: fake.url,
 *                                    cache: new lark.DefaultCache() });
 *
 * SDK notes (1.74): the token cache is module-global and keyed by appId, so give every test its own
 * appId (`fake.state.newApp()`) or pass `cache: new lark.DefaultCache()`. `disableTokenCache: true` does
 * NOT mean "fetch a fresh token each time": it makes the SDK send no Authorization header at all (this
 * fake then answers 99991661, as Feishu does). A 2xx answer with `code != 0` is returned to the caller;
 * any non-2xx answer (every Feishu business error below is HTTP 400) is thrown as an AxiosError whose
 * `response.data` holds `{code,msg,error}`.
 *
 * Endpoints:
 *   POST  /open-apis/auth/v3/tenant_access_token/internal
 *   POST  /open-apis/im/v1/messages?receive_id_type=chat_id|open_id|user_id|union_id|email
 *   PATCH /open-apis/im/v1/messages/:message_id  (update a card)
 *   PUT   /open-apis/im/v1/messages/:message_id  (edit a text/post message; a card answers 230001, as Feishu does)
 *   GET   /open-apis/contact/v3/users/:user_id?user_id_type=open_id|user_id|union_id
 *   POST  /open-apis/contact/v3/users/batch_get_id?user_id_type=open_id|user_id|union_id
 * Anything else: HTTP 404 text/plain "404 page not found" (what the real gateway answers, [P]).
 *
 * Codes used, and where they come from:
 *   [D-create] open.feishu.cn/document/server-docs/im-v1/message/create (error table, HTTP 400 for all)
 *   [D-patch]  open.feishu.cn/document/server-docs/im-v1/message-card/patch (error table, HTTP 400 for all)
 *   [D-update] open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/message/update ("edit message": text and
 *              post only, cards through PATCH; the message_id must be of a text/post message)
 *   [D-230001] open.feishu.cn/document/uAjLw4CM/ugTN1YjL4UTN24CO1UjN/trouble-shooting/how-to-resolve-error-230001
 *   [D-user]   open.feishu.cn/document/server-docs/contact-v3/user/get (error table)
 *   [D-batch]  open.feishu.cn/document/server-docs/contact-v3/user/batch_get_id (response example)
 *   [D-token]  open.feishu.cn/document/ukTMukTMukTM/ukDNz4SO0MjL5QzM/auth-v3/auth/tenant_access_token_internal
 *   [D-limit]  open.feishu.cn/document/server-docs/api-call-guide/frequency-control (429 + x-ogw-ratelimit-*)
 *   [D-generic] open.feishu.cn/document/ukTMukTMukTM/ugjM14COyUjL4ITN (server-side generic error codes)
 *   [P]        a public third-party probe log of the live API (2026-09): token endpoint failures are HTTP 200;
 *              missing/malformed Authorization → HTTP 400 99991661; bogus tenant token → HTTP 400 99991663;
 *              unknown path → HTTP 404 text/plain.
 *   [O]        observed in real responses quoted by many public clients, not in the docs.
 *
 *   0        success; msg "ok" for the token [D-token] and patch [D-patch], "success" for the rest.
 *   10003    "invalid param" — token request with a missing/unknown app_id (HTTP 200) [P].
 *   10014    "app secret invalid" — known app_id, wrong app_secret (HTTP 200) [O: e.g. larksuite/cli's own
 *            test fixture `{"code":10014,"msg":"app secret invalid"}` at HTTP 200]. The generic table [D-generic]
 *            lists 10014 as "app unauthorized" and 10015 "wrong app secret", but the live API answers 10014.
 *   99991661 "Missing access token for authorization. Please make a request with token attached." — no
 *            Authorization header, or one without the "Bearer " prefix (HTTP 400) [P][D-generic].
 *   99991663 "Invalid access token for authorization. Please make a request with token attached." —
 *            unknown, revoked or expired tenant token (HTTP 400) [P][D-generic].
 *   99991400 "request trigger frequency limit" — gateway throttle, per app and endpoint (50/s, 1000/min
 *            for these endpoints), HTTP 429 with x-ogw-ratelimit-limit / x-ogw-ratelimit-reset [D-limit].
 *   230001   "Your request contains an invalid request parameter, ext=…" — ext=invalid receive_id,
 *            invalid receive_id_type, invalid msg_type, invalid message_id [D-230001]; ext=content is not a
 *            string in json format [O]. Also a PUT (edit) of a card, whose message_id is not of an editable
 *            (text/post) message [D-update]; the exact ext text of that case is not documented.
 *   230002   "Bot/User can NOT be out of the chat." — bot not in the chat [D-create lists the code with
 *            "The bot can not be outside the group."; the live msg text is the [O] one used here].
 *   230011   "The message is recalled." [D-patch]
 *   230013   "Bot has NO availability to this user." [D-create]
 *   230020   "This operation triggers the frequency limit." — per chat (send, 5 QPS shared by the bots in
 *            the chat) and per message (patch, 5 QPS) [D-create][D-patch].
 *   230025   "The length of the message content reaches its limit." — a request body over 150 KB for text, over
 *            30 KB for a card or post [D-create: "文本消息请求体最大不能超过150KB；卡片及富文本消息请求体最大不能超过
 *            30KB"]. The body is measured in UTF-8 bytes as sent, with `content` escaped inside it.
 *   230031   "Message can only be modified within 14 days after sending." [D-patch]
 *   230054   "This operation is not supported for this message type." — PATCH of a non-card message
 *            (listed for reply in the IM tables; the patch page only says "interactive only" — unconfirmed).
 *   230099   "Failed to create card content, ext=ErrCode: 200621; ErrMsg: parse card json err, …" — card
 *            content that is JSON but not a card object [D-create sub-codes].
 *   232009   "Your request specifies a chat which has already been dissolved." [D-create]
 *   41012    "user id invalid error" — user lookup of an unknown id [D-user].
 *   41050    "no user authority error" — user outside the app's contact scope (`outOfScope`) [D-user].
 *   40001    "invalid parameter" — user lookup with an unknown user_id_type [D-user].
 *   99992402 "field validation failed" — batch_get_id with > 50 emails/mobiles or a bad user_id_type
 *            [D-generic: "请求参数缺失或者有误"].
 *   9499     "Bad Request" — body is not JSON [D-generic].
 *
 * `config.update_multi`: the patch page says both the sent and the new card must declare
 * `"update_multi": true` (shared card) but lists no error code for a violation, so the fake accepts the
 * PATCH and records it in `state.updateMultiViolations` (tests can assert that list is empty).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceiveIdType = 'chat_id' | 'open_id' | 'user_id' | 'union_id' | 'email';
export type UserIdType = 'open_id' | 'user_id' | 'union_id';

export interface FakeUser {
  open_id: string;
  user_id: string;
  union_id: string;
  name: string;
  en_name?: string;
  email?: string;
  /** As Feishu returns it, e.g. "+8613011111111". batch_get_id also matches it without "+86". */
  mobile?: string;
  /** false → sends to this user answer 230013. Default true. */
  botAvailable?: boolean;
  /** true → GET answers 41050 and batch_get_id omits user_id, as for a user outside the contact scope. */
  outOfScope?: boolean;
}

export interface FakeChat {
  chatId: string;
  name: string;
  chatType: 'group' | 'p2p';
  /** false → sends answer 230002. */
  botIsMember: boolean;
  memberOpenIds: string[];
  /** true → sends answer 232009. */
  dissolved?: boolean;
}

export interface FakeMessageVersion {
  at: number;
  /** Parsed content. */
  content: unknown;
}

export interface FakeMessage {
  messageId: string;
  chatId: string;
  msgType: string;
  /** Latest content, parsed. */
  content: any;
  /** Latest content string as received. */
  rawContent: string;
  /** ms since epoch; `state.ageMessage` moves it back. */
  createTime: number;
  updateTime: number;
  /** Number of successful PATCHes. */
  updates: number;
  /** Number of times a card callback's answer replaced the card (see `state.applyCallbackAnswer`). */
  redraws: number;
  /** Every version, the original first. */
  history: FakeMessageVersion[];
  appId: string;
  uuid?: string;
  recalled: boolean;
}

export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body, the raw string when it is not JSON, undefined when empty. */
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  /** ms since epoch */
  at: number;
  /** appId owning the bearer token, when it was valid. */
  appId?: string;
  status?: number;
  /** Feishu `code` of the answer (undefined for non-JSON answers). */
  code?: number;
}

export interface InjectedFailure {
  /** Matches any method when omitted. */
  method?: string;
  /** Matched against the path (without the query string) with startsWith. */
  pathPrefix: string;
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** How many matching requests get this answer; default 1, Infinity for all. Decremented on use. */
  times?: number;
  /** Narrows the match to some requests (e.g. one chat's sends, by `body.receive_id`). */
  match?: (request: FakeRequest) => boolean;
}

export interface RateLimits {
  /** Message sends per chat (or per p2p user), sliding 1 s window. Feishu: 5. */
  perChatPerSecond: number;
  /** PATCHes per message, sliding 1 s window. Feishu: 5. */
  perMessagePerSecond: number;
  /** Gateway limit per app and endpoint. Feishu: 50/s and 1000/min for these endpoints. */
  perAppPerSecond: number;
  perAppPerMinute: number;
}

export interface UpdateMultiViolation {
  messageId: string;
  /** Which card lacked `config.update_multi: true`. */
  which: 'sent' | 'patch';
  at: number;
}

export interface FakeFeishuState {
  /** appId → appSecret */
  apps: Map<string, string>;
  chats: Map<string, FakeChat>;
  /** open_id → user */
  users: Map<string, FakeUser>;
  messages: Map<string, FakeMessage>;
  requests: FakeRequest[];
  /** token → owner */
  tokens: Map<string, { appId: string; expiresAt: number }>;
  tenantKey: string;
  tokenTtlSeconds: number;
  enforceRateLimits: boolean;
  limits: RateLimits;
  injectFailures: InjectedFailure[];
  updateMultiViolations: UpdateMultiViolation[];
  /** Sends answered from the uuid idempotency store instead of creating a message. */
  dedupedSends: number;
  /** The fake's clock (ms); replace it to move time. */
  now: () => number;

  /** Interactive messages sent to the chat, oldest first. */
  cardsInChat(chatId: string): FakeMessage[];
  /** Every message sent to the chat, oldest first. */
  messagesInChat(chatId: string): FakeMessage[];
  addUser(user: Partial<FakeUser> & { name: string }): FakeUser;
  addChat(chat: Partial<FakeChat> & { name: string }): FakeChat;
  /** Registers an app with a fresh, unique appId (and secret unless given). */
  newApp(secret?: string): { appId: string; appSecret: string };
  /** Moves the message's create time `days` days into the past. */
  ageMessage(messageId: string, days: number): void;
  recallMessage(messageId: string): void;
  /**
   * What Feishu does with the answer to a card callback (card.action.trigger): a `card` of type `raw` replaces the
   * clicked card, for every viewer when the card is shared (`update_multi`). No Open API call, so no PATCH counted.
   */
  applyCallbackAnswer(messageId: string, answer: unknown): void;
  /** Makes every issued token unknown (next calls answer 99991663). */
  revokeTokens(): void;
  /** Requests whose path starts with the prefix (and whose method matches, when given). */
  requestsTo(pathPrefix: string, method?: string): FakeRequest[];
}

export interface FakeFeishu {
  /** Base URL, e.g. http://127.0.0.1:53211 — pass as `domain` to lark.Client. */
  url: string;
  state: FakeFeishuState;
  close(): Promise<void>;
}

export interface FakeFeishuOptions {
  /** appId → appSecret. Default: { cli_fake_default: 'fake-app-secret' }. */
  apps?: Record<string, string>;
  tenantKey?: string;
  enforceRateLimits?: boolean;
  limits?: Partial<RateLimits>;
  tokenTtlSeconds?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const UUID_WINDOW_MS = 60 * 60 * 1000;
const KB = 1024;
const MSG_TYPES = new Set(['text', 'post', 'image', 'file', 'audio', 'media', 'sticker', 'interactive', 'share_chat', 'share_user', 'system']);
const RECEIVE_ID_TYPES = new Set<ReceiveIdType>(['chat_id', 'open_id', 'user_id', 'union_id', 'email']);
const USER_ID_TYPES = new Set<UserIdType>(['open_id', 'user_id', 'union_id']);

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const logId = () => `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}${hex(11).toUpperCase()}`;
let appCounter = 0;

class FeishuError {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly msg: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

const invalidParam = (ext: string) => new FeishuError(400, 230001, `Your request contains an invalid request parameter, ext=${ext}.`);

/** The per-key sliding windows the rate limits use. */
class SlidingWindows {
  private readonly hits = new Map<string, number[]>();
  /** Count of hits in (now - windowMs, now]; prunes older ones. */
  count(key: string, now: number, windowMs: number): number {
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - windowMs);
    this.hits.set(key, list);
    return list.length;
  }
  /** ms until the oldest hit inside the window leaves it. */
  resetIn(key: string, now: number, windowMs: number): number {
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - windowMs);
    return list.length ? list[0] + windowMs - now : 0;
  }
  add(key: string, now: number): void {
    const list = this.hits.get(key) ?? [];
    list.push(now);
    this.hits.set(key, list);
  }
  clear(): void {
    this.hits.clear();
  }
}

function createState(options: FakeFeishuOptions): FakeFeishuState {
  const state: FakeFeishuState = {
    apps: new Map(Object.entries(options.apps ?? { cli_fake_default: 'fake-app-secret' })),
    chats: new Map(),
    users: new Map(),
    messages: new Map(),
    requests: [],
    tokens: new Map(),
    tenantKey: options.tenantKey ?? `tenant_${hex(8)}`,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 7200,
    enforceRateLimits: options.enforceRateLimits ?? true,
    limits: { perChatPerSecond: 5, perMessagePerSecond: 5, perAppPerSecond: 50, perAppPerMinute: 1000, ...options.limits },
    injectFailures: [],
    updateMultiViolations: [],
    dedupedSends: 0,
    now: () => Date.now(),
    cardsInChat(chatId) {
      return this.messagesInChat(chatId).filter((m) => m.msgType === 'interactive');
    },
    messagesInChat(chatId) {
      return [...this.messages.values()].filter((m) => m.chatId === chatId);
    },
    addUser(partial) {
      const user: FakeUser = {
        open_id: partial.open_id ?? `ou_${hex(16)}`,
        user_id: partial.user_id ?? hex(4),
        union_id: partial.union_id ?? `on_${hex(16)}`,
        botAvailable: true,
        ...partial,
      };
      this.users.set(user.open_id, user);
      return user;
    },
    addChat(partial) {
      const chat: FakeChat = {
        chatId: partial.chatId ?? `oc_${hex(16)}`,
        chatType: 'group',
        botIsMember: true,
        memberOpenIds: [],
        ...partial,
      };
      this.chats.set(chat.chatId, chat);
      return chat;
    },
    newApp(secret) {
      appCounter += 1;
      const appId = `cli_fake${process.pid.toString(16)}${appCounter.toString(16).padStart(4, '0')}${hex(4)}`;
      const appSecret = secret ?? hex(16);
      this.apps.set(appId, appSecret);
      return { appId, appSecret };
    },
    ageMessage(messageId, days) {
      const message = this.messages.get(messageId);
      if (!message) throw new Error(`fake feishu: no message ${messageId}`);
      message.createTime -= days * DAY_MS;
    },
    recallMessage(messageId) {
      const message = this.messages.get(messageId);
      if (!message) throw new Error(`fake feishu: no message ${messageId}`);
      message.recalled = true;
    },
    applyCallbackAnswer(messageId, answer) {
      const message = this.messages.get(messageId);
      if (!message) throw new Error(`fake feishu: no message ${messageId}`);
      const card = isObject(answer) && isObject(answer.card) && answer.card.type === 'raw' ? answer.card.data : undefined;
      if (!isObject(card) || message.recalled) return;
      const now = this.now();
      message.content = card;
      message.rawContent = JSON.stringify(card);
      message.updateTime = now;
      message.redraws += 1;
      message.history.push({ at: now, content: card });
    },
    revokeTokens() {
      this.tokens.clear();
    },
    requestsTo(pathPrefix, method) {
      return this.requests.filter((r) => r.path.startsWith(pathPrefix) && (!method || r.method === method.toUpperCase()));
    },
  };
  return state;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function declaresUpdateMulti(card: unknown): boolean {
  return isObject(card) && isObject(card.config) && card.config.update_multi === true;
}

/** Checks a message `content` string the way the send/patch endpoints do; returns it parsed. */
function checkContent(msgType: string, content: unknown, bodyBytes: number): unknown {
  if (typeof content !== 'string' || content === '') throw invalidParam('content is not a string in json format');
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    throw invalidParam('content is not a string in json format');
  }
  const limit = msgType === 'text' ? 150 * KB : 30 * KB;
  if (bodyBytes > limit) {
    throw new FeishuError(400, 230025, 'The length of the message content reaches its limit.');
  }
  if (msgType === 'interactive' && !isObject(parsed)) {
    throw new FeishuError(
      400,
      230099,
      'Failed to create card content, ext=ErrCode: 200621; ErrMsg: parse card json err, please check whether the card json is correct; ErrorValue: ',
    );
  }
  if (msgType === 'text' && !(isObject(parsed) && typeof parsed.text === 'string')) {
    throw invalidParam('invalid message content');
  }
  return parsed;
}

export async function startFakeFeishu(options: FakeFeishuOptions = {}): Promise<FakeFeishu> {
  const state = createState(options);
  const chatWindows = new SlidingWindows();
  const messageWindows = new SlidingWindows();
  const appWindows = new SlidingWindows();
  /** `${appId}:${uuid}` → message id and when it was first sent */
  const uuids = new Map<string, { messageId: string; at: number }>();

  const json = (res: ServerResponse, entry: FakeRequest, status: number, body: any, headers: Record<string, string> = {}) => {
    entry.status = status;
    entry.code = isObject(body) && typeof body.code === 'number' ? body.code : undefined;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-tt-logid': logId(),
      ...headers,
    });
    res.end(text);
  };

  const fail = (res: ServerResponse, entry: FakeRequest, error: FeishuError) => {
    const id = logId();
    json(
      res,
      entry,
      error.status,
      {
        code: error.code,
        msg: error.msg,
        error: {
          log_id: id,
          troubleshooter: `排查建议查看（Troubleshooting suggestions）: https://open.feishu.cn/search?from=openapi&log_id=${id}&code=${error.code}`,
        },
      },
      error.headers,
    );
  };

  const notFound = (res: ServerResponse, entry: FakeRequest) => {
    entry.status = 404;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('404 page not found');
  };

  /** Gateway throttle per app and endpoint: HTTP 429, 99991400, x-ogw-ratelimit-* headers. */
  const gateway = (appId: string, route: string) => {
    if (!state.enforceRateLimits) return;
    const now = state.now();
    const key = `${appId} ${route}`;
    const windows: Array<[number, number]> = [
      [1000, state.limits.perAppPerSecond],
      [60_000, state.limits.perAppPerMinute],
    ];
    for (const [windowMs, limit] of windows) {
      if (appWindows.count(`${key} ${windowMs}`, now, windowMs) >= limit) {
        const reset = Math.max(1, Math.ceil(appWindows.resetIn(`${key} ${windowMs}`, now, windowMs) / 1000));
        throw new FeishuError(429, 99991400, 'request trigger frequency limit', {
          'x-ogw-ratelimit-limit': String(limit),
          'x-ogw-ratelimit-reset': String(reset),
        });
      }
    }
    for (const [windowMs] of windows) appWindows.add(`${key} ${windowMs}`, now);
  };

  /** IM per-chat / per-message limits: HTTP 400, 230020. Only admitted requests count. */
  const imLimit = (windows: SlidingWindows, key: string, limit: number) => {
    if (!state.enforceRateLimits) return;
    const now = state.now();
    if (windows.count(key, now, 1000) >= limit) {
      throw new FeishuError(400, 230020, 'This operation triggers the frequency limit.');
    }
    windows.add(key, now);
  };

  const authenticate = (req: IncomingMessage): string => {
    const header = req.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith('Bearer ') || header.slice(7).trim() === '') {
      throw new FeishuError(400, 99991661, 'Missing access token for authorization. Please make a request with token attached.');
    }
    const token = header.slice(7).trim();
    const owner = state.tokens.get(token);
    if (!owner || owner.expiresAt <= state.now()) {
      throw new FeishuError(400, 99991663, 'Invalid access token for authorization. Please make a request with token attached.');
    }
    return owner.appId;
  };

  const issueToken = (body: any) => {
    const appId = isObject(body) ? body.app_id : undefined;
    const appSecret = isObject(body) ? body.app_secret : undefined;
    if (typeof appId !== 'string' || typeof appSecret !== 'string' || !appId || !appSecret || !state.apps.has(appId)) {
      return { code: 10003, data: {}, msg: 'invalid param' };
    }
    if (state.apps.get(appId) !== appSecret) return { code: 10014, msg: 'app secret invalid' };
    const now = state.now();
    // Feishu hands back the current token while it has ≥ 30 min left, a new one otherwise.
    for (const [token, owner] of state.tokens) {
      if (owner.appId === appId && owner.expiresAt - now >= 30 * 60 * 1000) {
        return { code: 0, msg: 'ok', tenant_access_token: token, expire: Math.floor((owner.expiresAt - now) / 1000) };
      }
    }
    const token = `t-g${hex(20)}`;
    state.tokens.set(token, { appId, expiresAt: now + state.tokenTtlSeconds * 1000 });
    return { code: 0, msg: 'ok', tenant_access_token: token, expire: state.tokenTtlSeconds };
  };

  const findUser = (type: string, id: string): FakeUser | undefined => {
    for (const user of state.users.values()) {
      if (type === 'open_id' && user.open_id === id) return user;
      if (type === 'user_id' && user.user_id === id) return user;
      if (type === 'union_id' && user.union_id === id) return user;
      if (type === 'email' && user.email !== undefined && user.email.toLowerCase() === id.toLowerCase()) return user;
    }
    return undefined;
  };

  const p2pChatFor = (user: FakeUser): FakeChat => {
    for (const chat of state.chats.values()) {
      if (chat.chatType === 'p2p' && chat.memberOpenIds.length === 1 && chat.memberOpenIds[0] === user.open_id) return chat;
    }
    return state.addChat({ name: user.name, chatType: 'p2p', botIsMember: true, memberOpenIds: [user.open_id] });
  };

  const messageView = (message: FakeMessage) => ({
    message_id: message.messageId,
    msg_type: message.msgType,
    create_time: String(message.createTime),
    update_time: String(message.updateTime),
    deleted: false,
    updated: message.updates > 0,
    chat_id: message.chatId,
    sender: { id: message.appId, id_type: 'app_id', sender_type: 'app', tenant_key: state.tenantKey },
    body: { content: message.rawContent },
  });

  const sendMessage = (appId: string, query: Record<string, string>, body: any, bodyBytes: number) => {
    gateway(appId, 'POST /open-apis/im/v1/messages');
    const receiveIdType = query.receive_id_type as ReceiveIdType;
    if (!RECEIVE_ID_TYPES.has(receiveIdType)) throw invalidParam('invalid receive_id_type');
    if (!isObject(body)) throw invalidParam('invalid receive_id');
    const { receive_id: receiveId, msg_type: msgType, content, uuid } = body;
    if (typeof receiveId !== 'string' || !receiveId) throw invalidParam('invalid receive_id');
    if (typeof msgType !== 'string' || !MSG_TYPES.has(msgType)) throw invalidParam('invalid msg_type');

    let chat: FakeChat | undefined;
    if (receiveIdType === 'chat_id') {
      chat = state.chats.get(receiveId);
      if (!chat) throw invalidParam('invalid receive_id');
    } else {
      const user = findUser(receiveIdType, receiveId);
      if (!user) throw invalidParam('invalid receive_id');
      if (user.botAvailable === false) throw new FeishuError(400, 230013, 'Bot has NO availability to this user.');
      chat = p2pChatFor(user);
    }
    if (chat.dissolved) throw new FeishuError(400, 232009, 'Your request specifies a chat which has already been dissolved.');
    if (!chat.botIsMember) throw new FeishuError(400, 230002, 'Bot/User can NOT be out of the chat.');
    const parsed = checkContent(msgType, content, bodyBytes);

    const now = state.now();
    if (typeof uuid === 'string' && uuid !== '') {
      if (uuid.length > 50) throw invalidParam('invalid uuid');
      const seen = uuids.get(`${appId}:${uuid}`);
      if (seen && now - seen.at < UUID_WINDOW_MS) {
        const original = state.messages.get(seen.messageId);
        if (original) {
          state.dedupedSends += 1;
          return { code: 0, msg: 'success', data: messageView(original) };
        }
      }
    }
    imLimit(chatWindows, chat.chatId, state.limits.perChatPerSecond);

    const message: FakeMessage = {
      messageId: `om_${hex(16)}`,
      chatId: chat.chatId,
      msgType,
      content: parsed,
      rawContent: content as string,
      createTime: now,
      updateTime: now,
      updates: 0,
      redraws: 0,
      history: [{ at: now, content: parsed }],
      appId,
      uuid: typeof uuid === 'string' && uuid !== '' ? uuid : undefined,
      recalled: false,
    };
    state.messages.set(message.messageId, message);
    if (message.uuid) uuids.set(`${appId}:${message.uuid}`, { messageId: message.messageId, at: now });
    return { code: 0, msg: 'success', data: messageView(message) };
  };

  const patchMessage = (appId: string, messageId: string, body: any, bodyBytes: number) => {
    gateway(appId, 'PATCH /open-apis/im/v1/messages/:message_id');
    const message = state.messages.get(messageId);
    if (!message) throw invalidParam('invalid message_id');
    if (message.recalled) throw new FeishuError(400, 230011, 'The message is recalled.');
    if (message.msgType !== 'interactive') {
      throw new FeishuError(400, 230054, 'This operation is not supported for this message type.');
    }
    const now = state.now();
    if (now - message.createTime > 14 * DAY_MS) {
      throw new FeishuError(400, 230031, 'Message can only be modified within 14 days after sending.');
    }
    const parsed = checkContent('interactive', isObject(body) ? body.content : undefined, bodyBytes);
    imLimit(messageWindows, message.messageId, state.limits.perMessagePerSecond);

    if (!declaresUpdateMulti(message.history[0].content) && !state.updateMultiViolations.some((v) => v.messageId === messageId && v.which === 'sent')) {
      state.updateMultiViolations.push({ messageId, which: 'sent', at: now });
    }
    if (!declaresUpdateMulti(parsed)) state.updateMultiViolations.push({ messageId, which: 'patch', at: now });
    message.content = parsed;
    message.rawContent = body.content;
    message.updateTime = now;
    message.updates += 1;
    message.history.push({ at: now, content: parsed });
    return { code: 0, data: {}, msg: 'ok' };
  };

  /** "Edit message": text and post only, same msg_type as sent; the 20-edit cap and the tenant's edit window are not modelled. */
  const editMessage = (appId: string, messageId: string, body: any, bodyBytes: number) => {
    gateway(appId, 'PUT /open-apis/im/v1/messages/:message_id');
    const message = state.messages.get(messageId);
    if (!message) throw invalidParam('invalid message_id');
    if (message.recalled) throw new FeishuError(400, 230011, 'The message is recalled.');
    if (message.msgType !== 'text' && message.msgType !== 'post') throw invalidParam('invalid message_id');
    const msgType = isObject(body) ? body.msg_type : undefined;
    if (msgType !== message.msgType) throw invalidParam('invalid msg_type');
    const parsed = checkContent(msgType, body.content, bodyBytes);
    // Edits count against the message's 5 QPS like updates.
    imLimit(messageWindows, message.messageId, state.limits.perMessagePerSecond);
    const now = state.now();
    message.content = parsed;
    message.rawContent = body.content;
    message.updateTime = now;
    message.updates += 1;
    message.history.push({ at: now, content: parsed });
    return { code: 0, msg: 'success', data: messageView(message) };
  };

  const userView = (user: FakeUser) => ({
    open_id: user.open_id,
    user_id: user.user_id,
    union_id: user.union_id,
    name: user.name,
    en_name: user.en_name ?? '',
    ...(user.email !== undefined ? { email: user.email } : {}),
    ...(user.mobile !== undefined ? { mobile: user.mobile, mobile_visible: true } : {}),
    status: { is_frozen: false, is_resigned: false, is_activated: true, is_exited: false, is_unjoin: false },
    tenant_key: state.tenantKey,
  });

  const getUser = (appId: string, userId: string, query: Record<string, string>) => {
    gateway(appId, 'GET /open-apis/contact/v3/users/:user_id');
    const type = (query.user_id_type ?? 'open_id') as UserIdType;
    if (!USER_ID_TYPES.has(type)) throw new FeishuError(400, 40001, 'invalid parameter');
    const user = findUser(type, userId);
    if (!user) throw new FeishuError(400, 41012, 'user id invalid error');
    if (user.outOfScope) throw new FeishuError(400, 41050, 'no user authority error');
    return { code: 0, msg: 'success', data: { user: userView(user) } };
  };

  const sameMobile = (a: string, b: string) => {
    const norm = (m: string) => m.replace(/[\s-]/g, '').replace(/^\+86/, '');
    return norm(a) === norm(b);
  };

  const batchGetId = (appId: string, query: Record<string, string>, body: any) => {
    gateway(appId, 'POST /open-apis/contact/v3/users/batch_get_id');
    const type = (query.user_id_type ?? 'open_id') as UserIdType;
    if (!USER_ID_TYPES.has(type)) throw new FeishuError(400, 99992402, 'field validation failed');
    const emails: unknown[] = isObject(body) && Array.isArray(body.emails) ? body.emails : [];
    const mobiles: unknown[] = isObject(body) && Array.isArray(body.mobiles) ? body.mobiles : [];
    if (emails.length > 50 || mobiles.length > 50) throw new FeishuError(400, 99992402, 'field validation failed');
    const status = { is_frozen: false, is_resigned: false, is_activated: true, is_exited: false, is_unjoin: false };
    const idOf = (user: FakeUser) => (type === 'open_id' ? user.open_id : type === 'user_id' ? user.user_id : user.union_id);
    const users = [...state.users.values()];
    const list: Array<Record<string, unknown>> = [];
    for (const email of emails.map(String)) {
      const user = users.find((u) => !u.outOfScope && u.email !== undefined && u.email.toLowerCase() === email.toLowerCase());
      list.push(user ? { user_id: idOf(user), email, status } : { email });
    }
    for (const mobile of mobiles.map(String)) {
      const user = users.find((u) => !u.outOfScope && u.mobile !== undefined && sameMobile(u.mobile, mobile));
      list.push(user ? { user_id: idOf(user), mobile, status } : { mobile });
    }
    return { code: 0, msg: 'success', data: { user_list: list } };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake.feishu');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    let body: unknown;
    let badJson = false;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
        badJson = true;
      }
    }
    const entry: FakeRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      headers: { ...req.headers },
      at: state.now(),
    };
    state.requests.push(entry);

    const injected = state.injectFailures.find(
      (f) =>
        (f.times === undefined || f.times > 0) &&
        (!f.method || f.method.toUpperCase() === method) &&
        url.pathname.startsWith(f.pathPrefix) &&
        (!f.match || f.match(entry)),
    );
    if (injected) {
      injected.times = (injected.times ?? 1) - 1;
      if (injected.times <= 0) state.injectFailures.splice(state.injectFailures.indexOf(injected), 1);
      if (typeof injected.body === 'string') {
        entry.status = injected.status;
        res.writeHead(injected.status, { 'content-type': 'text/plain; charset=utf-8', ...injected.headers });
        res.end(injected.body);
      } else {
        json(res, entry, injected.status, injected.body, injected.headers);
      }
      return;
    }

    const path = url.pathname.replace(/\/+$/, '');
    const query = entry.query;
    try {
      if (path === '/open-apis/auth/v3/tenant_access_token/internal') {
        if (method !== 'POST') return notFound(res, entry);
        return json(res, entry, 200, issueToken(body));
      }
      const messageById = /^\/open-apis\/im\/v1\/messages\/([^/]+)$/.exec(path);
      const userGet = /^\/open-apis\/contact\/v3\/users\/([^/]+)$/.exec(path);
      const route =
        path === '/open-apis/im/v1/messages' && method === 'POST'
          ? 'send'
          : messageById && method === 'PATCH'
            ? 'patch'
            : messageById && method === 'PUT'
              ? 'edit'
              : path === '/open-apis/contact/v3/users/batch_get_id' && method === 'POST'
                ? 'batch'
                : userGet && method === 'GET'
                  ? 'user'
                  : undefined;
      if (!route) return notFound(res, entry);
      const appId = authenticate(req);
      entry.appId = appId;
      if (badJson) throw new FeishuError(400, 9499, 'Bad Request');
      switch (route) {
        case 'send':
          return json(res, entry, 200, sendMessage(appId, query, body, Buffer.byteLength(raw)));
        case 'patch':
          return json(res, entry, 200, patchMessage(appId, decodeURIComponent(messageById![1]), body, Buffer.byteLength(raw)));
        case 'edit':
          return json(res, entry, 200, editMessage(appId, decodeURIComponent(messageById![1]), body, Buffer.byteLength(raw)));
        case 'batch':
          return json(res, entry, 200, batchGetId(appId, query, body));
        case 'user':
          return json(res, entry, 200, getUser(appId, decodeURIComponent(userGet![1]), query));
      }
    } catch (error) {
      if (error instanceof FeishuError) return fail(res, entry, error);
      throw error;
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`fake feishu crashed: ${error instanceof Error ? error.stack : String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        chatWindows.clear();
        messageWindows.clear();
        appWindows.clear();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
