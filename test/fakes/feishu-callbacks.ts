/**
 * Builds the HTTP requests Feishu sends to an app's event / card callback URL ("send to developer
 * server" mode), so tests can POST them at our service exactly as Feishu would.
 *
 * Protocol (open.feishu.cn … event-subscription-configure-/encrypt-key-encryption-configuration-case):
 * - With an Encrypt Key the body is `{"encrypt":"<base64>"}`: key = SHA256(encryptKey), a random 16-byte IV
 *   prepended to the AES-256-CBC (PKCS7) ciphertext of the JSON, base64 of the whole.
 *   Vector: key "test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=" → "hello world".
 * - Events then carry X-Lark-Request-Timestamp / X-Lark-Request-Nonce / X-Lark-Signature with
 *   signature = hex(SHA256(timestamp + nonce + encryptKey + rawBody)) over the raw body bytes.
 *   URL verification requests carry no signature headers.
 * - Without an Encrypt Key the body is the plain JSON and the only check is the `token` field
 *   (header.token for schema 2.0) against the Verification Token.
 *
 * Envelopes follow the documented examples: im.message.receive_v1 and im.chat.member.bot.added_v1 /
 * deleted_v1 (header.create_time in ms), card.action.trigger (header.create_time in µs, event.token is the
 * delayed-update token "c-…").
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export interface FeishuSignatureHeaders {
  'X-Lark-Request-Timestamp': string;
  'X-Lark-Request-Nonce': string;
  'X-Lark-Signature': string;
}

export interface CallbackRequest {
  /** Raw body, byte-exact as signed. */
  body: string;
  headers: Record<string, string>;
}

/** AES key Feishu derives from the Encrypt Key. */
function aesKey(encryptKey: string): Buffer {
  return createHash('sha256').update(encryptKey, 'utf8').digest();
}

/**
 * Encrypts `payload` (an object is JSON.stringify'd, a string is taken as is) the way Feishu does;
 * returns the base64 string that goes in `{"encrypt": …}`. `iv` is random unless given (tests of fixed vectors).
 */
export function encryptFeishuPayload(encryptKey: string, payload: unknown, iv: Buffer = randomBytes(16)): string {
  if (iv.length !== 16) throw new Error('IV must be 16 bytes');
  const plain = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const cipher = createCipheriv('aes-256-cbc', aesKey(encryptKey), iv); // PKCS7 padding is Node's default
  return Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
}

/** Inverse of encryptFeishuPayload: returns the plaintext string. */
export function decryptFeishuPayload(encryptKey: string, encrypt: string): string {
  const buf = Buffer.from(encrypt, 'base64');
  const decipher = createDecipheriv('aes-256-cbc', aesKey(encryptKey), buf.subarray(0, 16));
  return Buffer.concat([decipher.update(buf.subarray(16)), decipher.final()]).toString('utf8');
}

/** hex(SHA256(timestamp + nonce + encryptKey + rawBody)) */
export function feishuSignature(timestamp: string, nonce: string, encryptKey: string, rawBody: string | Buffer): string {
  return createHash('sha256')
    .update(Buffer.from(timestamp + nonce + encryptKey, 'utf8'))
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest('hex');
}

/** Signature headers for a raw body. Timestamp (seconds) and nonce are fresh unless given. */
export function signFeishuRequest(
  encryptKey: string,
  rawBody: string | Buffer,
  options: { timestamp?: string | number; nonce?: string } = {},
): FeishuSignatureHeaders {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? hex(8);
  return {
    'X-Lark-Request-Timestamp': timestamp,
    'X-Lark-Request-Nonce': nonce,
    'X-Lark-Signature': feishuSignature(timestamp, nonce, encryptKey, rawBody),
  };
}

/**
 * The request Feishu would send for `object`: `{"encrypt":…}` plus signature headers when `encryptKey` is
 * set (no signature headers for url_verification, or when `sign: false`), the plain JSON otherwise.
 * Header names are in Feishu's casing; fetch/Node lowercase them on the wire.
 */
export function buildCallbackRequest(
  object: unknown,
  options: { encryptKey?: string; sign?: boolean; timestamp?: string | number; nonce?: string } = {},
): CallbackRequest {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Go-http-client/1.1' };
  if (!options.encryptKey) return { body: JSON.stringify(object), headers };
  const body = JSON.stringify({ encrypt: encryptFeishuPayload(options.encryptKey, object) });
  const isChallenge = typeof object === 'object' && object !== null && (object as { type?: unknown }).type === 'url_verification';
  if (options.sign ?? !isChallenge) {
    Object.assign(headers, signFeishuRequest(options.encryptKey, body, { timestamp: options.timestamp, nonce: options.nonce }));
  }
  return { body, headers };
}

// ---------------------------------------------------------------------------------------------------
// Envelopes

export interface UrlVerification {
  challenge: string;
  token: string;
  type: 'url_verification';
}

export function urlVerification(params: { token: string; challenge?: string }): UrlVerification {
  return { challenge: params.challenge ?? hex(16), token: params.token, type: 'url_verification' };
}

export interface EventHeader {
  event_id: string;
  event_type: string;
  create_time: string;
  token: string;
  app_id: string;
  tenant_key: string;
}

export interface EventEnvelope<E = Record<string, unknown>> {
  schema: '2.0';
  header: EventHeader;
  event: E;
}

interface CommonEventParams {
  eventId?: string;
  appId?: string;
  /** Verification Token */
  token?: string;
  tenantKey?: string;
  /** ms since epoch; default now */
  createTime?: number;
}

function header(eventType: string, p: CommonEventParams, createTime: string): EventHeader {
  return {
    event_id: p.eventId ?? hex(16),
    event_type: eventType,
    create_time: createTime,
    token: p.token ?? '',
    app_id: p.appId ?? 'cli_fake_default',
    tenant_key: p.tenantKey ?? 'tenant_fake',
  };
}

export interface UserIds {
  open_id: string;
  union_id: string;
  user_id: string;
}

export interface MessageReceiveParams extends CommonEventParams {
  chatId: string;
  chatType: 'group' | 'p2p';
  senderOpenId: string;
  senderUnionId?: string;
  senderUserId?: string;
  /** Message text, without the mention placeholder. */
  text: string;
  /** Prefix the text with "@_user_1 " and list the bot in `mentions`. */
  mentionBot?: boolean;
  botOpenId?: string;
  botName?: string;
  messageId?: string;
  /** Extra mentions after the bot's (keys continue @_user_2, …); their placeholders are not inserted into the text. */
  extraMentions?: Array<{ openId: string; name: string; unionId?: string; userId?: string }>;
}

export interface MessageReceiveEvent {
  sender: { sender_id: UserIds; sender_type: 'user'; tenant_key: string };
  message: {
    message_id: string;
    create_time: string;
    update_time: string;
    chat_id: string;
    chat_type: 'group' | 'p2p';
    message_type: 'text';
    content: string;
    mentions?: Array<{ key: string; id: UserIds; name: string; tenant_key: string }>;
  };
}

/** `im.message.receive_v1`, schema 2.0, text message; `content` is a JSON string like {"text":"@_user_1 ack 12"}. */
export function messageReceiveEvent(p: MessageReceiveParams): EventEnvelope<MessageReceiveEvent> {
  const ms = p.createTime ?? Date.now();
  const tenantKey = p.tenantKey ?? 'tenant_fake';
  const mentions: NonNullable<MessageReceiveEvent['message']['mentions']> = [];
  if (p.mentionBot) {
    mentions.push({
      key: '@_user_1',
      id: { open_id: p.botOpenId ?? 'ou_fake_bot', union_id: '', user_id: '' },
      name: p.botName ?? 'Bot',
      tenant_key: tenantKey,
    });
  }
  for (const extra of p.extraMentions ?? []) {
    mentions.push({
      key: `@_user_${mentions.length + 1}`,
      id: { open_id: extra.openId, union_id: extra.unionId ?? '', user_id: extra.userId ?? '' },
      name: extra.name,
      tenant_key: tenantKey,
    });
  }
  const text = p.mentionBot ? `@_user_1 ${p.text}` : p.text;
  return {
    schema: '2.0',
    header: header('im.message.receive_v1', p, String(ms)),
    event: {
      sender: {
        sender_id: { open_id: p.senderOpenId, union_id: p.senderUnionId ?? '', user_id: p.senderUserId ?? '' },
        sender_type: 'user',
        tenant_key: tenantKey,
      },
      message: {
        message_id: p.messageId ?? `om_${hex(16)}`,
        create_time: String(ms),
        update_time: String(ms),
        chat_id: p.chatId,
        chat_type: p.chatType,
        message_type: 'text',
        content: JSON.stringify({ text }),
        ...(mentions.length ? { mentions } : {}),
      },
    },
  };
}

export interface CardActionParams extends CommonEventParams {
  operatorOpenId: string;
  operatorUnionId?: string;
  operatorUserId?: string;
  /** The button's behaviors[].value (Card JSON 2.0) / value (1.0). */
  value: Record<string, unknown> | string;
  openMessageId: string;
  openChatId: string;
  tag?: string;
  formValue?: Record<string, unknown>;
  name?: string;
  /** Delayed-update token; default "c-<random>". */
  cardToken?: string;
}

export interface CardActionEvent {
  operator: UserIds & { tenant_key: string };
  token: string;
  action: { value: Record<string, unknown> | string; tag: string; form_value?: Record<string, unknown>; name?: string };
  host: 'im_message';
  context: { open_message_id: string; open_chat_id: string };
}

/** `card.action.trigger`, schema 2.0 (header.create_time in microseconds, as documented). */
export function cardActionEvent(p: CardActionParams): EventEnvelope<CardActionEvent> {
  const ms = p.createTime ?? Date.now();
  const tenantKey = p.tenantKey ?? 'tenant_fake';
  return {
    schema: '2.0',
    header: header('card.action.trigger', p, String(ms * 1000)),
    event: {
      operator: {
        tenant_key: tenantKey,
        open_id: p.operatorOpenId,
        union_id: p.operatorUnionId ?? '',
        user_id: p.operatorUserId ?? '',
      },
      token: p.cardToken ?? `c-${hex(20)}`,
      action: {
        value: p.value,
        tag: p.tag ?? 'button',
        ...(p.formValue ? { form_value: p.formValue } : {}),
        ...(p.name ? { name: p.name } : {}),
      },
      host: 'im_message',
      context: { open_message_id: p.openMessageId, open_chat_id: p.openChatId },
    },
  };
}

export interface SchemaV1Envelope<E = Record<string, unknown>> {
  uuid: string;
  token: string;
  /** Seconds with a fraction, as a string: "1603977298.000000". */
  ts: string;
  type: 'event_callback';
  event: E & { type: string };
}

/**
 * A schema 1.0 event ("v1" subscriptions, e.g. add_bot / message): no header and no event_id; `uuid` identifies the
 * delivery and `event.type` names the event.
 */
export function schemaV1Event<E extends Record<string, unknown>>(p: { type: string; event: E; uuid?: string; token?: string; createTime?: number }): SchemaV1Envelope<E> {
  const ms = p.createTime ?? Date.now();
  return {
    uuid: p.uuid ?? hex(16),
    token: p.token ?? '',
    ts: `${Math.floor(ms / 1000)}.000000`,
    type: 'event_callback',
    event: { ...p.event, type: p.type },
  };
}

export interface BotMembershipParams extends CommonEventParams {
  chatId: string;
  chatName: string;
  operatorOpenId?: string;
  external?: boolean;
}

export interface BotMembershipEvent {
  chat_id: string;
  operator_id: UserIds;
  external: boolean;
  operator_tenant_key: string;
  name: string;
  i18n_names: Record<string, string>;
}

function botMembership(eventType: string, p: BotMembershipParams): EventEnvelope<BotMembershipEvent> {
  const tenantKey = p.tenantKey ?? 'tenant_fake';
  return {
    schema: '2.0',
    header: header(eventType, p, String(p.createTime ?? Date.now())),
    event: {
      chat_id: p.chatId,
      operator_id: { open_id: p.operatorOpenId ?? `ou_${hex(16)}`, union_id: '', user_id: '' },
      external: p.external ?? false,
      operator_tenant_key: tenantKey,
      name: p.chatName,
      i18n_names: {},
    },
  };
}

/** `im.chat.member.bot.added_v1` */
export function botAddedEvent(p: BotMembershipParams): EventEnvelope<BotMembershipEvent> {
  return botMembership('im.chat.member.bot.added_v1', p);
}

/** `im.chat.member.bot.deleted_v1` */
export function botDeletedEvent(p: BotMembershipParams): EventEnvelope<BotMembershipEvent> {
  return botMembership('im.chat.member.bot.deleted_v1', p);
}
