/**
 * A local fake of the Slack Web API — the methods our Slack app calls — that the real `@slack/web-api` WebClient
 * (and Bolt's `respond()`) can be pointed at:
 *
 *   const fake = await startFakeSlack();               // bot token 'xoxb-test' unless told otherwise
 *   const client = new webApi.WebClient('xoxb-test', { slackApiUrl: fake.url });   // fake.url ends with '/api/'
 *
 * Wire protocol, as Slack speaks it:
 *   - `POST /api/<method>` (GET with a query string works too) with an `application/x-www-form-urlencoded` body (what
 *     WebClient sends: objects such as `blocks` arrive as JSON strings) or an `application/json` body (then the token
 *     must come in the header; without `charset=utf-8` the answer carries the `missing_charset` warning).
 *   - The token is `Authorization: Bearer xoxb-…`, or the `token` form field. None → `not_authed`; unknown →
 *     `invalid_auth`; revoked (`state.revokeToken()`) → `token_revoked`.
 *   - Answers are HTTP 200 `{ok:true,…}` or `{ok:false,error:'…'}`, with `x-oauth-scopes` (the token's scopes) and
 *     `x-accepted-oauth-scopes` (what the method needs), which WebClient copies into `response_metadata`.
 *   - Rate limited: HTTP 429, `Retry-After: <seconds>`, body `{ok:false,error:'ratelimited'}`.
 *   - Unknown method: HTTP 404 `{ok:false,error:'unknown_method',req_method}`.
 *
 * Methods (scopes needed):
 *   auth.test
 *   apps.connections.open — Socket Mode; only with the app-level token (`xapp-…`, `state.appToken`), which answers
 *     `not_allowed_token_type` for every other method (and the bot token for this one). Answers `{ok:true, url}`, a
 *     `ws://` URL of this fake's Socket Mode server (`fake.socket`, see slack-socket-mode.ts).
 *   chat.postMessage (chat:write; chat:write.public to post in a public channel the bot is not in). `channel` is a
 *     channel id, a channel name, or a user id (U…/W…) → the app's DM with that user (a D… channel, created on first
 *     use). Errors: channel_not_found (unknown; private channel without the bot), not_in_channel (public channel
 *     without the bot and without chat:write.public), is_archived, no_text, invalid_blocks_format, invalid_blocks
 *     (Block Kit limits below), invalid_attachments, msg_too_long, ratelimited (posting limit).
 *   chat.update (chat:write) — `channel` must be the id the message is in (for DMs the D… id); only messages the bot
 *     posted: message_not_found, cant_update_message, channel_not_found, no_text. Blocks / attachments not sent are
 *     kept, as Slack does.
 *   chat.postEphemeral (chat:write) — channel, user: user_not_found, user_not_in_channel, channel_not_found, not_in_channel.
 *   users.info (users:read; `profile.email` only when users:read.email is granted) — user_not_found.
 *   users.lookupByEmail (users:read.email) — `email`; users_not_found for unknown or deactivated users.
 *   A missing scope answers `{ok:false,error:'missing_scope',needed,provided}`.
 *
 * Block Kit limits checked (a subset; what our renderer could break): ≤ 50 blocks per message (and per attachment);
 * header text ≤ 150; section text ≤ 3000; section fields ≤ 10, each ≤ 2000; context elements ≤ 10, each text ≤ 3000
 * (the limit of any text object); no text object empty; actions
 * elements ≤ 25; button text ≤ 75, value ≤ 2000, url ≤ 3000, action_id ≤ 255 and unique in the message; block_id
 * ≤ 255 and unique. A violation answers `invalid_blocks` with `errors` and `response_metadata.messages`
 * ("[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]"). Lengths are UTF-16 units of the text as
 * sent (escapes count in full). Top-level `text` over 40,000 characters answers `msg_too_long` (posts, updates and
 * response_url answers alike).
 *
 * Posting limit: chat.postMessage allows about one message per second per channel with short bursts. Modelled as a
 * token bucket per channel (`state.postingLimit`: `perSecond` 1, `burst` 3), on unless `enabled` is switched off.
 *
 * Update limit: chat.update is a Tier 3 method, "50+ per minute" per workspace with occasional bursts (Slack gives no
 * burst size; 20 is this fake's assumption). Modelled as one token bucket for the workspace (`state.updateLimit`:
 * `perMinute` 50, `burst` 20), on unless `enabled` is switched off; over it: HTTP 429 with `Retry-After`, nothing changed.
 *
 * response_url: Slack hands a `response_url` with every slash command and block action. The fake serves them too:
 * `state.newResponseUrl({kind, channel, user, messageTs?})` returns `<origin>/response/<id>`; POSTs there (JSON, as
 * Bolt's `respond()` sends) are captured in `state.responses` and applied: `delete_original` / `replace_original:
 * true` change the message the action came from, `response_type:'in_channel'` posts a message in the channel, anything
 * else is an ephemeral message for the user. Up to 5 uses within 30 minutes (Slack's documented limit); beyond that,
 * or for an unknown id, HTTP 404 `{ok:false,error:'expired_url'|'no_such_url'}` (the error names are this fake's
 * assumption; Slack documents the limit, not the answer). Successful posts answer 200 `{"ok":true}`.
 *
 * Outage (`state.startOutage(mode)` … `state.endOutage()`): Slack unreachable as it really fails, for every Web API
 * method and response_url alike (before authentication; nothing is stored or changed):
 *   - 'http503': HTTP 503 with an HTML body from the load balancer, as during Slack's incidents;
 *   - 'hang': the request is read and never answered (a stalled connection); the client must time out itself.
 *     endOutage() (or close()) destroys the held connections, as a reset would.
 * Requests seen during an outage are in `state.requests` with `outage` set (and `status` 503 or undefined).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseForm } from 'node:querystring';
import { FakeSocketMode } from './slack-socket-mode.js';

export interface FakeSlackBot {
  token: string;
  userId: string;
  botId: string;
  appId: string;
  name: string;
}

export interface FakeSlackTeam {
  id: string;
  domain: string;
  name: string;
}

export interface FakeSlackUser {
  id: string;
  name: string;
  realName: string;
  email?: string;
  /** As Slack's profile shows it, free text such as "+1 555 0100". */
  phone?: string;
  deleted?: boolean;
  isBot?: boolean;
}

export interface FakeSlackChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  /** A DM between the app and `imUser`. */
  isIm: boolean;
  imUser?: string;
  botIsMember: boolean;
  archived: boolean;
  /** User ids (besides the bot) in the channel. */
  members: string[];
}

export interface FakeSlackMessageVersion {
  at: number;
  text: string;
  blocks?: any[];
  attachments?: any[];
}

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: any[];
  attachments?: any[];
  /** The poster: the bot's user id for Web API posts. */
  user: string;
  botId?: string;
  source: 'chat.postMessage' | 'response_url' | 'user';
  /** Successful chat.update calls (and replace_original responses). */
  updates: number;
  /** Every version, the original first. */
  history: FakeSlackMessageVersion[];
  deleted: boolean;
}

export interface FakeSlackEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks?: any[];
  attachments?: any[];
  at: number;
  source: 'chat.postEphemeral' | 'response_url';
}

export interface ResponseUrlContext {
  kind: 'command' | 'action';
  channel: string;
  user: string;
  /** The message whose button was clicked (actions). */
  messageTs?: string;
}

export interface FakeSlackResponse {
  id: string;
  url: string;
  /** The JSON posted. */
  body: any;
  at: number;
  status: number;
  context: ResponseUrlContext;
}

export interface FakeSlackRequest {
  /** The API method (`chat.postMessage`), or `response_url`, or the raw path for anything else. */
  method: string;
  httpMethod: string;
  path: string;
  contentType?: string;
  /** Parsed arguments; `blocks` / `attachments` parsed from their JSON strings when possible. */
  args: Record<string, any>;
  headers: Record<string, string | string[] | undefined>;
  /** ms since epoch */
  at: number;
  /** Which token authenticated the call. */
  token?: string;
  status?: number;
  ok?: boolean;
  error?: string;
  /** Seconds, on a 429. */
  retryAfter?: number;
  /** Set when the request arrived during an outage: it was answered 503, or held without an answer. */
  outage?: SlackOutageMode;
  /** 'hang' outage: when the client gave up and closed the connection (its own timeout), if it did before endOutage(). */
  abandonedAt?: number;
}

/** How Slack fails during an outage: HTTP 503, or connections that take the request and never answer. */
export type SlackOutageMode = 'http503' | 'hang';

export interface InjectedSlackFailure {
  /** API method name, e.g. 'chat.update'. */
  method: string;
  /** Only requests whose parsed args pass (e.g. `(args) => args.ts === ts`). */
  match?: (args: Record<string, any>) => boolean;
  /** HTTP status; default 200 (a platform error). 429 → `ratelimited` with `Retry-After`. */
  status?: number;
  /** `{ok:false, error}` for status 200; default 'internal_error'. */
  error?: string;
  /** Seconds, for status 429; default 1. */
  retryAfter?: number;
  /** A whole body to answer instead. */
  body?: unknown;
  headers?: Record<string, string>;
  /** How many matching requests get this answer; default 1, Infinity for all. Decremented on use. */
  times?: number;
}

export interface PostingLimit {
  enabled: boolean;
  /** Sustained chat.postMessage rate per channel. */
  perSecond: number;
  /** Messages a quiet channel may take at once. */
  burst: number;
}

export interface UpdateLimit {
  enabled: boolean;
  /** Sustained chat.update rate for the whole workspace. */
  perMinute: number;
  /** Updates a quiet workspace may take at once. */
  burst: number;
}

export interface FakeSlackState {
  bot: FakeSlackBot;
  /** The app-level token (Socket Mode). */
  appToken: string;
  team: FakeSlackTeam;
  /** Scopes granted to the bot token. */
  scopes: Set<string>;
  users: Map<string, FakeSlackUser>;
  channels: Map<string, FakeSlackChannel>;
  /** All messages, keyed `${channel}:${ts}`. */
  messages: Map<string, FakeSlackMessage>;
  ephemerals: FakeSlackEphemeral[];
  responses: FakeSlackResponse[];
  requests: FakeSlackRequest[];
  injectFailures: InjectedSlackFailure[];
  postingLimit: PostingLimit;
  updateLimit: UpdateLimit;
  /** Tokens that answer `token_revoked`. */
  revokedTokens: Set<string>;
  /** The outage going on, if any (see startOutage). */
  outage: SlackOutageMode | null;
  now: () => number;

  addUser(user: Partial<FakeSlackUser> & { name: string }): FakeSlackUser;
  addChannel(channel: Partial<FakeSlackChannel> & { name: string }): FakeSlackChannel;
  /** A message someone (not the bot) wrote in the channel. */
  postAsUser(channelId: string, userId: string, text: string): FakeSlackMessage;
  /** Messages in the channel (not deleted), oldest first. */
  messagesIn(channelId: string): FakeSlackMessage[];
  message(channelId: string, ts: string): FakeSlackMessage | undefined;
  /** The app's DM channel with the user, once one was opened by a post to the user id. */
  dmChannelOf(userId: string): FakeSlackChannel | undefined;
  /** Messages in the app's DM with the user. */
  dmsTo(userId: string): FakeSlackMessage[];
  ephemeralsFor(userId: string, channelId?: string): FakeSlackEphemeral[];
  /** A fresh response_url served by this fake. */
  newResponseUrl(context: ResponseUrlContext): string;
  responsesTo(url: string): FakeSlackResponse[];
  requestsTo(method: string): FakeSlackRequest[];
  grantScopes(...scopes: string[]): void;
  removeScopes(...scopes: string[]): void;
  revokeToken(token?: string): void;
  /** Shorthand: the next `times` calls of `method` (matching `match`) answer 429 with Retry-After. */
  rateLimitNext(method: string, retryAfterSeconds: number, options?: { times?: number; match?: (args: Record<string, any>) => boolean }): void;
  /** Shorthand: the next `times` calls of `method` answer `{ok:false,error}`. */
  failNext(method: string, error: string, options?: { times?: number; match?: (args: Record<string, any>) => boolean }): void;
  /** From now on every request (Web API and response_url) fails as `mode` says, until endOutage(). */
  startOutage(mode: SlackOutageMode): void;
  /** Slack is back: requests are served again; connections held by a 'hang' outage are destroyed. */
  endOutage(): void;
}

export interface FakeSlack {
  /** Web API base, ending with '/api/' — pass as `slackApiUrl` / `apiUrl`. */
  url: string;
  /** The fake's origin, e.g. http://127.0.0.1:53211 (response URLs live under it). */
  origin: string;
  state: FakeSlackState;
  /** The Socket Mode server `apps.connections.open` points at. */
  socket: FakeSocketMode;
  close(): Promise<void>;
}

export interface FakeSlackOptions {
  botToken?: string;
  /** Default 'xapp-1-test'. */
  appToken?: string;
  /** Default: the scopes of app-manifests/slack/manifest.yaml. */
  scopes?: string[];
  postingLimit?: Partial<PostingLimit>;
  updateLimit?: Partial<UpdateLimit>;
}

/** The bot scopes the app's manifest asks for. */
export const MANIFEST_SCOPES = ['chat:write', 'chat:write.public', 'commands', 'users:read', 'users:read.email', 'channels:read', 'groups:read'];

const METHOD_SCOPES: Record<string, string[]> = {
  'auth.test': [],
  'apps.connections.open': ['connections:write'],
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'users.info': ['users:read'],
  'users.lookupByEmail': ['users:read.email'],
};

const RESPONSE_URL_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60_000;
const MAX_TEXT = 40_000;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const slackId = (prefix: string) => prefix + Array.from(randomBytes(10), (byte) => ALNUM[byte % ALNUM.length]).join('');
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

class SlackError {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {}
}

/** A 429 from the posting limit. */
class RateLimited {
  constructor(readonly retryAfter: number) {}
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Methods only the app-level token may call. */
const APP_TOKEN_METHODS = new Set(['apps.connections.open']);

/** Token bucket per key. */
class Buckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  /** Takes one token, or answers how many seconds until one is there. */
  take(key: string, now: number, perSecond: number, burst: number): { ok: true } | { ok: false; retryAfter: number } {
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)) };
  }
  clear(): void {
    this.buckets.clear();
  }
}

/** Block Kit limits (a subset): the problems, as Slack words them, with JSON pointers. */
function blockProblems(blocks: unknown, pointer: string, seen: { actionIds: Set<string>; blockIds: Set<string> }): string[] {
  const problems: string[] = [];
  if (!Array.isArray(blocks)) return [`must be an array [json-pointer:${pointer}]`];
  if (blocks.length > 50) problems.push(`must have at most 50 items [json-pointer:${pointer}]`);
  const tooLong = (value: unknown, max: number, at: string) => {
    if (typeof value === 'string' && value.length > max) problems.push(`must be less than ${max + 1} characters [json-pointer:${at}]`);
  };
  const textObject = (value: unknown, at: string, max: number, plainOnly = false) => {
    if (!isObject(value) || typeof value.text !== 'string' || !['plain_text', 'mrkdwn'].includes(value.type) || (plainOnly && value.type !== 'plain_text')) {
      problems.push(`must be a valid ${plainOnly ? 'plain_text ' : ''}text object [json-pointer:${at}]`);
      return;
    }
    if (value.text.length === 0) problems.push(`must be more than 0 characters [json-pointer:${at}/text]`);
    tooLong(value.text, max, `${at}/text`);
  };
  blocks.forEach((block, index) => {
    const at = `${pointer}/${index}`;
    if (!isObject(block)) return void problems.push(`must be an object [json-pointer:${at}]`);
    if (block.block_id !== undefined) {
      tooLong(block.block_id, 255, `${at}/block_id`);
      if (seen.blockIds.has(block.block_id)) problems.push(`block_id must be unique [json-pointer:${at}/block_id]`);
      seen.blockIds.add(block.block_id);
    }
    switch (block.type) {
      case 'header':
        textObject(block.text, `${at}/text`, 150, true);
        break;
      case 'section':
        if (block.text === undefined && block.fields === undefined) problems.push(`must provide text or fields [json-pointer:${at}]`);
        if (block.text !== undefined) textObject(block.text, `${at}/text`, 3000);
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields) || block.fields.length > 10) problems.push(`must have at most 10 items [json-pointer:${at}/fields]`);
          else block.fields.forEach((field: unknown, i: number) => textObject(field, `${at}/fields/${i}`, 2000));
        }
        break;
      case 'context':
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 10) {
          problems.push(`must have 1 to 10 items [json-pointer:${at}/elements]`);
        } else block.elements.forEach((element: unknown, i: number) => textObject(element, `${at}/elements/${i}`, 3000));
        break;
      case 'actions':
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 25) {
          problems.push(`must have 1 to 25 items [json-pointer:${at}/elements]`);
          break;
        }
        block.elements.forEach((element: any, i: number) => {
          const el = `${at}/elements/${i}`;
          if (!isObject(element) || element.type !== 'button') return; // other element types are not checked
          textObject(element.text, `${el}/text`, 75, true);
          if (typeof element.action_id === 'string') {
            tooLong(element.action_id, 255, `${el}/action_id`);
            if (seen.actionIds.has(element.action_id)) problems.push(`action_id must be unique [json-pointer:${el}/action_id]`);
            seen.actionIds.add(element.action_id);
          }
          tooLong(element.value, 2000, `${el}/value`);
          tooLong(element.url, 3000, `${el}/url`);
          if (element.style !== undefined && !['primary', 'danger'].includes(element.style)) problems.push(`must be one of primary, danger [json-pointer:${el}/style]`);
        });
        break;
      case 'divider':
      case 'image':
      case 'input':
      case 'rich_text':
      case 'file':
      case 'video':
        break;
      default:
        problems.push(`unsupported type: ${String(block.type)} [json-pointer:${at}/type]`);
    }
  });
  return problems;
}

/**
 * What a person sees for a mrkdwn text: mentions and links resolved to their labels, `&lt; &gt; &amp;` decoded. An
 * unescaped `<…>` that is not a mention or link is a link to its own text in Slack, so its brackets disappear — as here.
 */
export function slackVisibleText(text: string, users?: Map<string, FakeSlackUser>, channels?: Map<string, FakeSlackChannel>): string {
  const shown = text.replace(/<([^<>]*)>/g, (_whole, inner: string) => {
    const [target, label] = inner.split('|', 2);
    if (target.startsWith('@')) return `@${label ?? users?.get(target.slice(1))?.name ?? target.slice(1)}`;
    if (target.startsWith('#')) return `#${label ?? channels?.get(target.slice(1))?.name ?? target.slice(1)}`;
    // <!date^1764950000^{date_num} {time}|fallback>: clients show the time in the reader's zone; the fake, the fallback.
    if (target.startsWith('!date^')) return label ?? target;
    if (target.startsWith('!')) return `@${label ?? target.slice(1).split('^')[0]}`;
    return label ?? target;
  });
  return shown.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function createState(options: FakeSlackOptions): FakeSlackState {
  const botUserId = slackId('U');
  const state: FakeSlackState = {
    bot: { token: options.botToken ?? 'xoxb-test', userId: botUserId, botId: slackId('B'), appId: slackId('A'), name: 'oncall' },
    appToken: options.appToken ?? 'xapp-1-test',
    team: { id: slackId('T'), domain: `fake-${hex(3)}`, name: 'Fake Workspace' },
    scopes: new Set(options.scopes ?? MANIFEST_SCOPES),
    users: new Map(),
    channels: new Map(),
    messages: new Map(),
    ephemerals: [],
    responses: [],
    requests: [],
    injectFailures: [],
    postingLimit: { enabled: true, perSecond: 1, burst: 3, ...options.postingLimit },
    updateLimit: { enabled: true, perMinute: 50, burst: 20, ...options.updateLimit },
    revokedTokens: new Set(),
    outage: null,
    now: () => Date.now(),
    addUser(partial) {
      const user: FakeSlackUser = { id: partial.id ?? slackId('U'), realName: partial.realName ?? partial.name, ...partial };
      this.users.set(user.id, user);
      return user;
    },
    addChannel(partial) {
      const channel: FakeSlackChannel = {
        id: partial.id ?? slackId(partial.isIm ? 'D' : partial.isPrivate ? 'G' : 'C'),
        isPrivate: false,
        isIm: false,
        botIsMember: true,
        archived: false,
        members: [],
        ...partial,
        name: partial.name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').slice(0, 80),
      };
      this.channels.set(channel.id, channel);
      return channel;
    },
    postAsUser() {
      throw new Error('replaced when the server starts');
    },
    messagesIn(channelId) {
      return [...this.messages.values()].filter((message) => message.channel === channelId && !message.deleted);
    },
    message(channelId, ts) {
      return this.messages.get(`${channelId}:${ts}`);
    },
    dmChannelOf(userId) {
      return [...this.channels.values()].find((channel) => channel.isIm && channel.imUser === userId);
    },
    dmsTo(userId) {
      const dm = this.dmChannelOf(userId);
      return dm ? this.messagesIn(dm.id) : [];
    },
    ephemeralsFor(userId, channelId) {
      return this.ephemerals.filter((e) => e.user === userId && (!channelId || e.channel === channelId));
    },
    newResponseUrl() {
      throw new Error('replaced when the server starts');
    },
    responsesTo(url) {
      return this.responses.filter((response) => response.url === url);
    },
    requestsTo(method) {
      return this.requests.filter((request) => request.method === method);
    },
    grantScopes(...scopes) {
      for (const scope of scopes) this.scopes.add(scope);
    },
    removeScopes(...scopes) {
      for (const scope of scopes) this.scopes.delete(scope);
    },
    revokeToken(token) {
      this.revokedTokens.add(token ?? this.bot.token);
    },
    rateLimitNext(method, retryAfterSeconds, options = {}) {
      this.injectFailures.push({ method, status: 429, retryAfter: retryAfterSeconds, times: options.times ?? 1, match: options.match });
    },
    failNext(method, error, options = {}) {
      this.injectFailures.push({ method, status: 200, error, times: options.times ?? 1, match: options.match });
    },
    startOutage(mode) {
      this.outage = mode;
    },
    endOutage() {
      throw new Error('replaced when the server starts');
    },
  };
  return state;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** `blocks` / `attachments` arrive as JSON strings in form bodies; undefined when absent, a SlackError when malformed. */
function jsonArrayArg(value: unknown, error: string): any[] | undefined {
  if (value === undefined || value === '') return undefined;
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new SlackError(error);
    }
  }
  if (!Array.isArray(parsed)) throw new SlackError(error);
  return parsed;
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const state = createState(options);
  const postBuckets = new Buckets();
  const updateBuckets = new Buckets();
  /** Answers a 'hang' outage holds back. */
  const held = new Set<ServerResponse>();
  const responseUrls = new Map<string, { context: ResponseUrlContext; uses: number; createdAt: number }>();
  let lastTsMicros = 0;
  let origin = '';
  const socket = new FakeSocketMode(() => state.bot.appId);

  /** '1732400000.000100'-shaped, unique and increasing. */
  const nextTs = () => {
    lastTsMicros = Math.max(state.now() * 1000, lastTsMicros + 100);
    return `${Math.floor(lastTsMicros / 1e6)}.${String(lastTsMicros % 1e6).padStart(6, '0')}`;
  };

  state.newResponseUrl = (context) => {
    const id = `${state.team.id}/${slackId('')}/${hex(12)}`;
    responseUrls.set(id, { context, uses: 0, createdAt: state.now() });
    return `${origin}/response/${id}`;
  };

  const send = (res: ServerResponse, entry: FakeSlackRequest, status: number, body: unknown, headers: Record<string, string> = {}) => {
    entry.status = status;
    if (isObject(body)) {
      entry.ok = body.ok === true;
      if (typeof body.error === 'string') entry.error = body.error;
    }
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  const scopeHeaders = (method: string) => ({
    'x-oauth-scopes': APP_TOKEN_METHODS.has(method) ? 'connections:write' : [...state.scopes].join(','),
    'x-accepted-oauth-scopes': (METHOD_SCOPES[method] ?? []).join(','),
  });

  const requireScopes = (...needed: string[]) => {
    const missing = needed.find((scope) => !state.scopes.has(scope));
    if (missing) throw new SlackError('missing_scope', { needed: missing, provided: [...state.scopes].join(',') });
  };

  const findChannelByIdOrName = (ref: string): FakeSlackChannel | undefined => {
    const byId = state.channels.get(ref);
    if (byId) return byId;
    const name = ref.replace(/^#/, '');
    return [...state.channels.values()].find((channel) => !channel.isIm && channel.name === name);
  };

  const openDm = (user: FakeSlackUser): FakeSlackChannel =>
    state.dmChannelOf(user.id) ??
    state.addChannel({ id: slackId('D'), name: `dm-${user.id.toLowerCase()}`, isIm: true, imUser: user.id, isPrivate: true, botIsMember: true, members: [user.id] });

  /** The channel a post goes to, checked for the bot's right to post there. */
  const postTarget = (ref: unknown): FakeSlackChannel => {
    if (typeof ref !== 'string' || ref === '') throw new SlackError('channel_not_found');
    let channel: FakeSlackChannel | undefined;
    if (/^[UW][A-Z0-9]+$/.test(ref)) {
      const user = state.users.get(ref);
      if (!user || user.deleted) throw new SlackError('channel_not_found');
      channel = openDm(user);
    } else {
      channel = findChannelByIdOrName(ref);
    }
    if (!channel) throw new SlackError('channel_not_found');
    if (channel.archived) throw new SlackError('is_archived');
    if (!channel.botIsMember) {
      if (channel.isPrivate || channel.isIm) throw new SlackError('channel_not_found');
      if (!state.scopes.has('chat:write.public')) throw new SlackError('not_in_channel');
    }
    return channel;
  };

  /** text / blocks / attachments of a post or update, validated. */
  const content = (args: Record<string, any>, requireSome: boolean) => {
    const blocks = jsonArrayArg(args.blocks, 'invalid_blocks_format');
    const attachments = jsonArrayArg(args.attachments, 'invalid_attachments');
    const text = typeof args.text === 'string' ? args.text : undefined;
    if (requireSome && !text && !blocks?.length && !attachments?.length) throw new SlackError('no_text');
    if (text !== undefined && text.length > MAX_TEXT) throw new SlackError('msg_too_long');
    const seen = { actionIds: new Set<string>(), blockIds: new Set<string>() };
    const problems = blocks ? blockProblems(blocks, '/blocks', seen) : [];
    attachments?.forEach((attachment, index) => {
      if (!isObject(attachment)) throw new SlackError('invalid_attachments');
      if (attachment.blocks !== undefined) problems.push(...blockProblems(attachment.blocks, `/attachments/${index}/blocks`, seen));
    });
    if (problems.length > 0) throw new SlackError('invalid_blocks', { errors: problems, response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } });
    return { text, blocks, attachments };
  };

  const messageView = (message: FakeSlackMessage) => ({
    type: 'message',
    subtype: message.botId ? 'bot_message' : undefined,
    text: message.text,
    user: message.user,
    bot_id: message.botId,
    app_id: message.botId ? state.bot.appId : undefined,
    ts: message.ts,
    team: state.team.id,
    ...(message.blocks ? { blocks: message.blocks } : {}),
    ...(message.attachments ? { attachments: message.attachments } : {}),
    ...(message.updates > 0 ? { edited: { user: message.user, ts: message.ts } } : {}),
  });

  const storeMessage = (channel: FakeSlackChannel, user: string, source: FakeSlackMessage['source'], body: { text?: string; blocks?: any[]; attachments?: any[] }) => {
    const now = state.now();
    const message: FakeSlackMessage = {
      channel: channel.id,
      ts: nextTs(),
      text: body.text ?? '',
      blocks: body.blocks,
      attachments: body.attachments,
      user,
      botId: user === state.bot.userId ? state.bot.botId : undefined,
      source,
      updates: 0,
      history: [{ at: now, text: body.text ?? '', blocks: body.blocks, attachments: body.attachments }],
      deleted: false,
    };
    state.messages.set(`${channel.id}:${message.ts}`, message);
    return message;
  };

  state.postAsUser = (channelId, userId, text) => {
    const channel = state.channels.get(channelId);
    if (!channel) throw new Error(`fake slack: no channel ${channelId}`);
    return storeMessage(channel, userId, 'user', { text });
  };

  const replaceContent = (message: FakeSlackMessage, body: { text?: string; blocks?: any[]; attachments?: any[] }) => {
    if (body.text !== undefined) message.text = body.text;
    if (body.blocks !== undefined) message.blocks = body.blocks;
    if (body.attachments !== undefined) message.attachments = body.attachments;
    message.updates += 1;
    message.history.push({ at: state.now(), text: message.text, blocks: message.blocks, attachments: message.attachments });
  };

  const userView = (user: FakeSlackUser) => ({
    id: user.id,
    team_id: state.team.id,
    name: user.name,
    deleted: user.deleted ?? false,
    real_name: user.realName,
    tz: 'Europe/Amsterdam',
    tz_label: 'Central European Time',
    tz_offset: 3600,
    is_admin: false,
    is_owner: false,
    is_bot: user.isBot ?? false,
    is_app_user: false,
    updated: Math.floor(state.now() / 1000),
    profile: {
      real_name: user.realName,
      real_name_normalized: user.realName,
      display_name: user.name,
      display_name_normalized: user.name,
      phone: user.phone ?? '',
      team: state.team.id,
      ...(user.email !== undefined && state.scopes.has('users:read.email') ? { email: user.email } : {}),
    },
  });

  const methods: Record<string, (args: Record<string, any>) => Record<string, unknown>> = {
    'auth.test': () => ({
      url: `https://${state.team.domain}.slack.com/`,
      team: state.team.name,
      user: state.bot.name,
      team_id: state.team.id,
      user_id: state.bot.userId,
      bot_id: state.bot.botId,
      is_enterprise_install: false,
    }),
    'apps.connections.open': () => ({ url: socket.issueUrl() }),
    'chat.postMessage': (args) => {
      requireScopes('chat:write');
      const channel = postTarget(args.channel);
      const body = content(args, true);
      if (state.postingLimit.enabled) {
        const taken = postBuckets.take(channel.id, state.now(), state.postingLimit.perSecond, state.postingLimit.burst);
        if (!taken.ok) throw new RateLimited(taken.retryAfter);
      }
      const message = storeMessage(channel, state.bot.userId, 'chat.postMessage', body);
      return { channel: channel.id, ts: message.ts, message: messageView(message) };
    },
    'chat.update': (args) => {
      requireScopes('chat:write');
      if (state.updateLimit.enabled) {
        const taken = updateBuckets.take(state.team.id, state.now(), state.updateLimit.perMinute / 60, state.updateLimit.burst);
        if (!taken.ok) throw new RateLimited(taken.retryAfter);
      }
      const channel = typeof args.channel === 'string' ? state.channels.get(args.channel) : undefined;
      if (!channel) throw new SlackError('channel_not_found');
      const message = typeof args.ts === 'string' ? state.message(channel.id, args.ts) : undefined;
      if (!message || message.deleted) throw new SlackError('message_not_found');
      if (message.user !== state.bot.userId) throw new SlackError('cant_update_message');
      const body = content(args, true);
      replaceContent(message, body);
      return { channel: channel.id, ts: message.ts, text: message.text, message: messageView(message) };
    },
    'chat.postEphemeral': (args) => {
      requireScopes('chat:write');
      const channel = postTarget(args.channel);
      const user = typeof args.user === 'string' ? state.users.get(args.user) : undefined;
      if (!user) throw new SlackError('user_not_found');
      if (!channel.members.includes(user.id)) throw new SlackError('user_not_in_channel');
      const body = content(args, true);
      const ephemeral: FakeSlackEphemeral = { channel: channel.id, user: user.id, text: body.text ?? '', blocks: body.blocks, attachments: body.attachments, at: state.now(), source: 'chat.postEphemeral' };
      state.ephemerals.push(ephemeral);
      return { message_ts: nextTs() };
    },
    'users.info': (args) => {
      requireScopes('users:read');
      const user = typeof args.user === 'string' ? state.users.get(args.user) : undefined;
      if (!user) throw new SlackError('user_not_found');
      return { user: userView(user) };
    },
    'users.lookupByEmail': (args) => {
      requireScopes('users:read.email');
      const email = typeof args.email === 'string' ? args.email.toLowerCase() : '';
      const user = [...state.users.values()].find((candidate) => candidate.email?.toLowerCase() === email && !candidate.deleted);
      if (!user) throw new SlackError('users_not_found');
      return { user: userView(user) };
    },
  };

  const handleResponseUrl = async (req: IncomingMessage, res: ServerResponse, id: string, raw: string, entry: FakeSlackRequest) => {
    const known = responseUrls.get(id);
    if (!known) return send(res, entry, 404, { ok: false, error: 'no_such_url' });
    if (known.uses >= RESPONSE_URL_USES || state.now() - known.createdAt > RESPONSE_URL_TTL_MS) return send(res, entry, 404, { ok: false, error: 'expired_url' });
    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      return send(res, entry, 400, { ok: false, error: 'invalid_payload' });
    }
    if (!isObject(body)) return send(res, entry, 400, { ok: false, error: 'invalid_payload' });
    entry.args = body;
    let parsed: ReturnType<typeof content>;
    try {
      parsed = content(body, !body.delete_original);
    } catch (error) {
      if (error instanceof SlackError) return send(res, entry, 400, { ok: false, error: error.error, ...error.extra });
      throw error;
    }
    known.uses += 1;
    const { context } = known;
    const url = `${origin}/response/${id}`;
    state.responses.push({ id, url, body, at: entry.at, status: 200, context });
    const channel = state.channels.get(context.channel);
    const original = context.messageTs ? state.message(context.channel, context.messageTs) : undefined;
    if (body.delete_original === true && original) {
      original.deleted = true;
    } else if (body.replace_original === true && original) {
      replaceContent(original, parsed);
    } else if (body.response_type === 'in_channel' && channel) {
      storeMessage(channel, state.bot.userId, 'response_url', parsed);
    } else {
      state.ephemerals.push({ channel: context.channel, user: context.user, text: parsed.text ?? '', blocks: parsed.blocks, attachments: parsed.attachments, at: entry.at, source: 'response_url' });
    }
    return send(res, entry, 200, { ok: true });
  };

  /** Slack is down: a 503 from its load balancer, or a connection that never gets an answer. */
  const failForOutage = (res: ServerResponse, entry: FakeSlackRequest) => {
    entry.outage = state.outage!;
    if (state.outage === 'hang') {
      held.add(res);
      res.once('close', () => {
        if (held.delete(res)) entry.abandonedAt = state.now();
      });
      return;
    }
    entry.status = 503;
    res.writeHead(503, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<html><body><h1>503 Service Unavailable</h1>No server is available to handle this request.</body></html>');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake.slack');
    const httpMethod = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    const contentType = typeof req.headers['content-type'] === 'string' ? req.headers['content-type'] : undefined;
    const entry: FakeSlackRequest = { method: url.pathname, httpMethod, path: url.pathname, contentType, args: {}, headers: { ...req.headers }, at: state.now() };
    state.requests.push(entry);

    const response = /^\/response\/(.+)$/.exec(url.pathname);
    if (response && httpMethod === 'POST') {
      entry.method = 'response_url';
      if (state.outage) return failForOutage(res, entry);
      return handleResponseUrl(req, res, response[1], raw, entry);
    }
    const api = /^\/api\/([A-Za-z.]+)$/.exec(url.pathname);
    if (!api) {
      entry.status = 404;
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      return void res.end('Not Found');
    }
    const method = api[1];
    entry.method = method;

    // Arguments: the query string, then the body (form or JSON).
    const args: Record<string, any> = Object.fromEntries(url.searchParams);
    const warnings: string[] = [];
    const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
    if (raw !== '') {
      if (mediaType === 'application/json') {
        if (!/charset=utf-8/i.test(contentType ?? '')) warnings.push('missing_charset');
        try {
          const parsed = JSON.parse(raw);
          if (!isObject(parsed)) return send(res, entry, 200, { ok: false, error: 'invalid_json' });
          Object.assign(args, parsed);
          delete args.token; // JSON bodies must carry the token in the header
        } catch {
          return send(res, entry, 200, { ok: false, error: 'invalid_json' });
        }
      } else if (mediaType === 'application/x-www-form-urlencoded' || mediaType === '') {
        for (const [key, value] of Object.entries(parseForm(raw))) args[key] = Array.isArray(value) ? value[value.length - 1] : value;
      } else {
        return send(res, entry, 200, { ok: false, error: 'invalid_form_data' });
      }
    }
    entry.args = { ...args };
    for (const key of ['blocks', 'attachments']) {
      if (typeof entry.args[key] === 'string') {
        try {
          entry.args[key] = JSON.parse(entry.args[key]);
        } catch {
          // left as sent
        }
      }
    }

    if (state.outage) return failForOutage(res, entry);
    const handler = methods[method];
    if (!handler) return send(res, entry, 404, { ok: false, error: 'unknown_method', req_method: method });
    const headers = scopeHeaders(method);
    const answer = (body: Record<string, unknown>) =>
      send(res, entry, 200, warnings.length ? { ...body, warning: warnings.join(','), response_metadata: { warnings } } : body, headers);

    // Authentication.
    const authorization = req.headers.authorization;
    const token = typeof authorization === 'string' && /^Bearer\s+/i.test(authorization) ? authorization.replace(/^Bearer\s+/i, '').trim() : typeof args.token === 'string' ? args.token : undefined;
    if (!token) return answer({ ok: false, error: 'not_authed' });
    if (state.revokedTokens.has(token)) return answer({ ok: false, error: 'token_revoked' });
    const expected = APP_TOKEN_METHODS.has(method) ? state.appToken : state.bot.token;
    if (token !== expected) return answer({ ok: false, error: token === state.appToken || token === state.bot.token ? 'not_allowed_token_type' : 'invalid_auth' });
    entry.token = token;

    const injected = state.injectFailures.find((failure) => (failure.times === undefined || failure.times > 0) && failure.method === method && (!failure.match || failure.match(entry.args)));
    if (injected) {
      injected.times = (injected.times ?? 1) - 1;
      if (injected.times <= 0) state.injectFailures.splice(state.injectFailures.indexOf(injected), 1);
      const status = injected.status ?? 200;
      if (status === 429) {
        const retryAfter = injected.retryAfter ?? 1;
        entry.retryAfter = retryAfter;
        return send(res, entry, 429, injected.body ?? { ok: false, error: 'ratelimited' }, { ...headers, 'retry-after': String(retryAfter), ...injected.headers });
      }
      return send(res, entry, status, injected.body ?? { ok: false, error: injected.error ?? 'internal_error' }, { ...headers, ...injected.headers });
    }

    try {
      return answer({ ok: true, ...handler(args) });
    } catch (error) {
      if (error instanceof RateLimited) {
        entry.retryAfter = error.retryAfter;
        return send(res, entry, 429, { ok: false, error: 'ratelimited' }, { ...headers, 'retry-after': String(error.retryAfter) });
      }
      if (error instanceof SlackError) return answer({ ok: false, error: error.error, ...error.extra });
      throw error;
    }
  };

  state.endOutage = () => {
    state.outage = null;
    const holding = [...held];
    held.clear();
    for (const res of holding) res.destroy();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`fake slack crashed: ${error instanceof Error ? error.stack : String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  socket.attach(server, origin);

  return {
    url: `${origin}/api/`,
    origin,
    state,
    socket,
    close: () =>
      new Promise<void>((resolve, reject) => {
        postBuckets.clear();
        updateBuckets.clear();
        socket.close();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
