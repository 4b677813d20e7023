import { createHash } from 'node:crypto';
import { webApi } from '@slack/bolt';
import type { SlackAppConfig } from './slack.config.js';
import { waitTurnPastHolds, type KeyedHolds } from '../../lib/holds.js';
import type { Logger } from '../../lib/logger.js';
import { localPacing, type KeyedPacer, type OnRateLimitHold, type Pacing } from '../../lib/pacer.js';
import { platformRetryPolicy, withRetry } from '../../lib/retry.js';
import type { PlatformUserProfile } from '../../services/ports/capabilities.js';
import { PlatformError } from '../../services/ports/platform-error.js';
import type { OutgoingPriority } from '../outgoing-priority.js';
import { toSlackError } from './slack-error-codes.js';

/** chat.postMessage allows about one message per second per channel; updates are paced the same per message. */
const POSTS_PER_CHANNEL_PER_SECOND = 1;
const UPDATES_PER_MESSAGE_PER_SECOND = 1;
/**
 * chat.update is a Tier 3 method: about 50 calls a minute per workspace, with short bursts. Card sync coalesces
 * changes per incident, but a storm over many incidents (or many acks at once) still means one update per incident.
 */
export const DEFAULT_UPDATE_LIMIT = { perMinute: 50, burst: 10 };
const WORKSPACE = 'workspace';
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

/** Who the bot token belongs to (auth.test). */
export interface SlackBotIdentity {
  botUserId: string;
  botId?: string;
  teamId?: string;
}

/**
 * The Web API calls the app makes. The client never queues on a 429 (that would stall every channel behind one
 * busy channel): a 429 holds back the channel it was for — every later or waiting call to that channel, on every
 * instance when Redis is configured, waits out the Retry-After, and the refused call is retried after it — while
 * other channels go on.
 */
export class SlackApi {
  readonly client: webApi.WebClient;
  private readonly channelPacer: KeyedPacer;
  private readonly messagePacer: KeyedPacer;
  private readonly updatePacer: KeyedPacer;
  private readonly heldChannels: KeyedHolds;

  constructor(
    config: SlackAppConfig,
    private readonly logger: Logger,
    /** Told of each call held back: by our pacing (`chat`, `message`, `workspace`), a 429's Retry-After (`retry_after`) or its hold (`held`). */
    private readonly onHold: OnRateLimitHold = () => {},
    pacing: Pacing = localPacing,
  ) {
    const app = slackAppPacingName(config.botToken);
    this.channelPacer = pacing.pacer(`${app}:channel`, POSTS_PER_CHANNEL_PER_SECOND, 1, (where) => onHold('chat', where));
    // Named like the channel's pacer: a 429 holds the channel's key on every instance.
    this.heldChannels = pacing.holds(`${app}:channel`);
    this.messagePacer = pacing.pacer(`${app}:message`, UPDATES_PER_MESSAGE_PER_SECOND, 1, (where) => onHold('message', where));
    this.client = new webApi.WebClient(config.botToken, {
      slackApiUrl: config.apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: config.requestTimeoutMs ?? DEFAULT_SLACK_REQUEST_TIMEOUT_MS,
      logLevel: webApi.LogLevel.ERROR,
    });
    const updateLimit = config.updateLimit ?? DEFAULT_UPDATE_LIMIT;
    this.updatePacer = pacing.pacer(`${app}:update`, updateLimit.perMinute / 60, updateLimit.burst, (where) => onHold('workspace', where));
  }

  /** auth.test, once (the caller decides about retrying): the bot's own user id. */
  async authTest(): Promise<SlackBotIdentity> {
    let result: webApi.AuthTestResponse;
    try {
      result = await this.client.auth.test();
    } catch (error) {
      throw toSlackError(error);
    }
    if (!result.user_id) throw new PlatformError('slack', 'bad_request', 'no_user_id', 'Slack API error: no_user_id');
    return { botUserId: result.user_id, botId: result.bot_id, teamId: result.team_id };
  }

  /** `priority`: its place among the posts waiting for the channel (see OutgoingPriority). */
  async postMessage(channel: string, message: SlackMessage, priority: OutgoingPriority): Promise<string> {
    const result = await this.call(() => this.client.chat.postMessage({ channel, ...message } as webApi.ChatPostMessageArguments), {
      channel,
      pace: () => this.channelPacer.wait(channel, priority),
    });
    return String(result.ts);
  }

  async updateMessage(channel: string, ts: string, message: SlackMessage): Promise<void> {
    await this.call(() => this.client.chat.update({ channel, ts, ...message } as webApi.ChatUpdateArguments), {
      channel,
      pace: async () => {
        await this.messagePacer.wait(`${channel}:${ts}`);
        await this.updatePacer.wait(WORKSPACE);
      },
    });
  }

  async getUser(userId: string): Promise<PlatformUserProfile | null> {
    try {
      const result = await this.call(() => this.client.users.info({ user: userId }));
      return result.user ? profileOf(userId, result.user) : null;
    } catch (error) {
      const classified = error as PlatformError;
      if (classified.kind === 'target_gone' || classified.kind === 'permission_denied') return null;
      throw error;
    }
  }

  /** users.lookupByEmail (users:read.email); null when nobody active has that email. */
  async findUserByEmail(email: string): Promise<PlatformUserProfile | null> {
    try {
      const result = await this.call(() => this.client.users.lookupByEmail({ email }));
      const user = result.user;
      return user?.id && !user.deleted ? profileOf(user.id, user) : null;
    } catch (error) {
      const classified = error as PlatformError;
      if (classified.code === 'users_not_found') return null;
      throw error;
    }
  }

  /** `lane`: the channel the call is for (held back by its 429s) and how calls there are paced. */
  private async call<T>(request: () => Promise<T>, lane?: { channel: string; pace: () => Promise<void> }): Promise<T> {
    return withRetry(
      async () => {
        if (lane) await this.waitTurn(lane.channel, lane.pace);
        try {
          return await request();
        } catch (error) {
          const classified = toSlackError(error);
          if (lane && classified.kind === 'rate_limited') this.onHold('retry_after', await this.heldChannels.hold(lane.channel, classified.retryAfterMs ?? 1000));
          throw classified;
        }
      },
      platformRetryPolicy((error, attempt) => this.logger.debug({ kind: error.kind, attempt }, 'slack call retried')),
    );
  }

  /** Past any hold on the channel, then its pacing; a 429 that held the channel meanwhile is waited out as well. */
  private waitTurn(channel: string, pace: () => Promise<void>): Promise<void> {
    return waitTurnPastHolds(this.heldChannels, channel, pace, (where) => this.onHold('held', where));
  }
}

/**
 * Slack's limits are per app and workspace, i.e. per bot token: instances with the same token share the pacers of
 * this name. A short hash, so that the token itself never lands in a Redis key.
 */
function slackAppPacingName(botToken: string): string {
  return `slack:${createHash('sha256').update(botToken).digest('hex').slice(0, 16)}`;
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
