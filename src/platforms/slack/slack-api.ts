import { webApi } from '@slack/bolt';
import type { SlackAppConfig } from '../../config/config.js';
import type { Logger } from '../../lib/logger.js';
import { Pacer } from '../../lib/pacer.js';
import { platformRetryPolicy, withRetry } from '../../lib/retry.js';
import type { PlatformUserProfile } from '../../services/ports/chat-platform.js';
import { toSlackApiError, type SlackApiError } from './slack-api-error.js';

/** chat.postMessage allows about one message per second per channel; updates are paced the same per message. */
const POSTS_PER_CHANNEL_PER_SECOND = 1;
const UPDATES_PER_MESSAGE_PER_SECOND = 1;
/**
 * One Web API request gives up after this long. Without it a Slack that takes requests and never answers holds every
 * caller (a card sync, an escalation page) forever, and fills the client's request queue until no call goes out.
 */
export const DEFAULT_SLACK_REQUEST_TIMEOUT_MS = 10_000;

export interface SlackMessage {
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

/**
 * The Web API calls the app makes. The client never queues on a 429 (that would stall every channel behind one
 * busy channel); each call waits out its own Retry-After instead.
 */
export class SlackApi {
  readonly client: webApi.WebClient;
  private readonly channelPacer = new Pacer(POSTS_PER_CHANNEL_PER_SECOND);
  private readonly messagePacer = new Pacer(UPDATES_PER_MESSAGE_PER_SECOND);

  constructor(
    config: SlackAppConfig,
    private readonly logger: Logger,
  ) {
    this.client = new webApi.WebClient(config.botToken, {
      slackApiUrl: config.apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: config.requestTimeoutMs ?? DEFAULT_SLACK_REQUEST_TIMEOUT_MS,
      logLevel: webApi.LogLevel.ERROR,
    });
  }

  async postMessage(channel: string, message: SlackMessage): Promise<string> {
    const result = await this.call(() => this.client.chat.postMessage({ channel, ...message } as webApi.ChatPostMessageArguments), `channel:${channel}`);
    return String(result.ts);
  }

  async updateMessage(channel: string, ts: string, message: SlackMessage): Promise<void> {
    await this.messagePacer.wait(`${channel}:${ts}`);
    await this.call(() => this.client.chat.update({ channel, ts, ...message } as webApi.ChatUpdateArguments), undefined);
  }

  async getUser(userId: string): Promise<PlatformUserProfile | null> {
    try {
      const result = await this.call(() => this.client.users.info({ user: userId }), undefined);
      return result.user ? profileOf(userId, result.user) : null;
    } catch (error) {
      const classified = error as SlackApiError;
      if (classified.kind === 'target_revoked' || classified.kind === 'permission_denied') return null;
      throw error;
    }
  }

  /** users.lookupByEmail (users:read.email); null when nobody active has that email. */
  async findUserByEmail(email: string): Promise<PlatformUserProfile | null> {
    try {
      const result = await this.call(() => this.client.users.lookupByEmail({ email }), undefined);
      const user = result.user;
      return user?.id && !user.deleted ? profileOf(user.id, user) : null;
    } catch (error) {
      const classified = error as SlackApiError;
      if (classified.slackError === 'users_not_found') return null;
      throw error;
    }
  }

  private async call<T>(request: () => Promise<T>, paceKey: string | undefined): Promise<T> {
    return withRetry(
      async () => {
        if (paceKey) await this.channelPacer.wait(paceKey);
        try {
          return await request();
        } catch (error) {
          throw toSlackApiError(error);
        }
      },
      platformRetryPolicy((error, attempt) => this.logger.debug({ kind: error.kind, attempt }, 'slack call retried')),
    );
  }
}

interface SlackUserLike {
  name?: string;
  real_name?: string;
  profile?: { email?: string; phone?: string };
}

function profileOf(userId: string, user: SlackUserLike): PlatformUserProfile {
  return {
    externalId: userId,
    name: user.real_name || user.name,
    email: user.profile?.email || undefined,
    mobile: user.profile?.phone || undefined,
  };
}
