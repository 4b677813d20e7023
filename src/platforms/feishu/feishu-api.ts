import { createHash, randomUUID } from 'node:crypto';
import * as lark from '@larksuiteoapi/node-sdk';
import { feishuSdkLogger } from './feishu-sdk-logger.js';
import type { FeishuAppConfig } from './feishu.config.js';
import type { Logger } from '../../lib/logger.js';
import { waitTurnPastHolds, type KeyedHolds } from '../../lib/holds.js';
import { localPacing, type KeyedPacer, type OnRateLimitHold, type Pacing } from '../../lib/pacer.js';
import { platformRetryPolicy, withRetry } from '../../lib/retry.js';
import type { PlatformUserProfile } from '../../services/ports/capabilities.js';
import type { PlatformError } from '../../services/ports/platform-error.js';
import type { OutgoingPriority } from '../outgoing-priority.js';
import { classifyFeishuCode, toFeishuError } from './feishu-error-codes.js';

/** Feishu allows 5 QPS per chat (shared by all bots) and 5 QPS per message; stay just under. */
const PER_CHAT_PER_SECOND = 4;
const PER_MESSAGE_PER_SECOND = 4;

/** A key of any length as a `uuid` Feishu takes (at most 50 characters): the same key, the same uuid. */
export function feishuUuid(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

interface FeishuResponse<T> {
  code?: number;
  msg?: string;
  data?: T;
}

/** The chat (or user's direct chat) a call goes to, paced per chat, and its place among the calls waiting there. */
interface ChatLane {
  key: string;
  priority: OutgoingPriority;
}

/** Feishu's answers for a tenant token it no longer takes (invalid, missing, expired): fetch a new one and retry. */
const STALE_TOKEN_CODES = new Set([99991663, 99991661, 99991668]);

/** The few Open API calls the app makes, paced and retried, with errors classified. */
export class FeishuApi {
  readonly client: lark.Client;
  private readonly chatPacer: KeyedPacer;
  private readonly messagePacer: KeyedPacer;
  /** Chats held back by Feishu's rate-limit answer, on every instance with Redis. */
  private readonly heldChats: KeyedHolds;
  /** This client's own token cache (the SDK's default is shared by every client of the process). */
  private readonly tokenCache = new lark.DefaultCache();

  constructor(
    private readonly config: FeishuAppConfig,
    private readonly logger: Logger,
    /** Told of each call held back: by our pacing (`chat`, `message`), by Feishu's rate-limit answer (`retry_after`) or its hold (`held`). */
    private readonly onHold: OnRateLimitHold = () => {},
    pacing: Pacing = localPacing,
  ) {
    // Feishu's limits are per chat and per message whichever app sends: the names carry no app.
    this.chatPacer = pacing.pacer('feishu:chat', PER_CHAT_PER_SECOND, 1, (where) => onHold('chat', where));
    this.heldChats = pacing.holds('feishu:chat');
    this.messagePacer = pacing.pacer('feishu:message', PER_MESSAGE_PER_SECOND, 1, (where) => onHold('message', where));
    this.client = new lark.Client({
      appId: config.appId,
      appSecret: config.appSecret,
      domain: config.domain,
      cache: this.tokenCache,
      loggerLevel: lark.LoggerLevel.warn,
      logger: feishuSdkLogger(logger),
    });
  }

  async sendCard(chatId: string, card: object, priority: OutgoingPriority): Promise<string> {
    // One idempotency key for all retries of this send: a retried request never posts twice.
    const uuid = randomUUID();
    const data = await this.call(
      () =>
        this.client.im.v1.message.create({
          params: { receive_id_type: 'chat_id' },
          data: { receive_id: chatId, msg_type: 'interactive', content: JSON.stringify(card), uuid },
        }),
      { key: `chat:${chatId}`, priority },
    );
    if (!data?.message_id) throw classifyFeishuCode(-1, 'no message_id in the answer');
    return data.message_id;
  }

  async patchCard(chatId: string, messageId: string, card: object, priority: OutgoingPriority): Promise<void> {
    await this.messagePacer.wait(messageId);
    await this.call(
      () => this.client.im.v1.message.patch({ path: { message_id: messageId }, data: { content: JSON.stringify(card) } }),
      { key: `chat:${chatId}`, priority },
    );
  }

  /**
   * `idempotencyKey`: the caller's name for this message (an escalation page: incident, run, step, target), so that
   * sending it again — after a crash, from another instance — is answered with the first message. Feishu keeps a
   * `uuid` for an hour.
   */
  async sendText(
    receiveIdType: 'open_id' | 'chat_id',
    receiveId: string,
    text: string,
    priority: OutgoingPriority,
    idempotencyKey?: string,
  ): Promise<void> {
    // As for cards: one idempotency key for all retries, so a retry after a lost answer never sends (pages) twice.
    const uuid = idempotencyKey ? feishuUuid(idempotencyKey) : randomUUID();
    await this.call(
      () =>
        this.client.im.v1.message.create({
          params: { receive_id_type: receiveIdType },
          data: { receive_id: receiveId, msg_type: 'text', content: JSON.stringify({ text }), uuid },
        }),
      { key: receiveIdType === 'chat_id' ? `chat:${receiveId}` : `user:${receiveId}`, priority },
    );
  }

  async getUser(openId: string): Promise<PlatformUserProfile | null> {
    try {
      const data = await this.call(
        () => this.client.contact.v3.user.get({ path: { user_id: openId }, params: { user_id_type: 'open_id' } }),
        undefined,
      );
      const user = data?.user;
      if (!user) return null;
      return {
        externalId: openId,
        name: user.name,
        email: user.email || user.enterprise_email || undefined,
        mobile: user.mobile || undefined,
        unionId: user.union_id,
        userId: user.user_id,
      };
    } catch (error) {
      const classified = error as PlatformError;
      if (classified.kind === 'bad_request' || classified.kind === 'permission_denied') return null;
      throw error;
    }
  }

  /** The active user with this email (contact scope permitting), by open_id; null when Feishu knows none. */
  async findUserByEmail(email: string): Promise<PlatformUserProfile | null> {
    const data = await this.call(
      () => this.client.contact.v3.user.batchGetId({ params: { user_id_type: 'open_id' }, data: { emails: [email] } }),
      undefined,
    );
    const found = data?.user_list?.find((entry) => entry.user_id);
    if (!found?.user_id || found.status?.is_resigned || found.status?.is_frozen || found.status?.is_exited) return null;
    return (await this.getUser(found.user_id)) ?? { externalId: found.user_id, email };
  }

  /**
   * The SDK keeps a tenant token until its stated expiry, even once Feishu refuses it (the app secret was reset, the
   * token revoked): then forget it and try once more with a fresh one.
   */
  private async call<T>(request: () => Promise<FeishuResponse<T>>, lane: ChatLane | undefined): Promise<T | undefined> {
    try {
      return await this.callWithRetries(request, lane);
    } catch (error) {
      const code = (error as PlatformError).code;
      if (typeof code !== 'number' || !STALE_TOKEN_CODES.has(code)) throw error;
      this.logger.info({ code }, 'feishu refused the tenant token; fetching a new one');
      // An expiry in the past (1 ms after the epoch) makes the SDK's cache miss.
      await this.tokenCache.set(lark.CTenantAccessToken, '', 1, { namespace: this.config.appId });
      return this.callWithRetries(request, lane);
    }
  }

  private async callWithRetries<T>(request: () => Promise<FeishuResponse<T>>, lane: ChatLane | undefined): Promise<T | undefined> {
    return withRetry(
      async () => {
        if (lane) await waitTurnPastHolds(this.heldChats, lane.key, () => this.chatPacer.wait(lane.key, lane.priority), (where) => this.onHold('held', where));
        let response: FeishuResponse<T>;
        try {
          response = await request();
        } catch (error) {
          throw await this.heldBy(toFeishuError(error), lane);
        }
        if (response.code !== undefined && response.code !== 0) throw await this.heldBy(classifyFeishuCode(response.code, response.msg ?? ''), lane);
        return response.data;
      },
      platformRetryPolicy((error, attempt) => this.logger.debug({ kind: error.kind, attempt }, 'feishu call retried')),
    );
  }

  /** A rate-limit answer (99991400, 230020 …) holds the chat it was for, then the call is retried after it. */
  private async heldBy(error: PlatformError, lane: ChatLane | undefined): Promise<PlatformError> {
    if (error.kind !== 'rate_limited') return error;
    const where = lane ? await this.heldChats.hold(lane.key, error.retryAfterMs ?? 1000) : 'local';
    this.onHold('retry_after', where);
    return error;
  }
}
