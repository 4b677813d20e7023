import type { Logger } from '../../lib/logger.js';
import { waitTurnPastHolds, type KeyedHolds } from '../../lib/holds.js';
import { localPacing, type OnRateLimitHold, type Pacing } from '../../lib/pacer.js';
import { platformRetryPolicy, withRetry } from '../../lib/retry.js';
import type { PlatformUserProfile } from '../../services/ports/capabilities.js';
import { PlatformError } from '../../services/ports/platform-error.js';
import type { OutgoingPriority } from '../outgoing-priority.js';
import type { DingTalkAppConfig } from './dingtalk.config.js';
import { classifyDingTalkCode, classifyDingTalkErrcode, unreachable } from './dingtalk-error-codes.js';
import { dingtalkPacers, type DingTalkPacers } from './dingtalk-limits.js';
import { DingTalkAccessToken } from './dingtalk-access-token.js';

export const DEFAULT_DINGTALK_REQUEST_TIMEOUT_MS = 10_000;

/** A card's template variables: DingTalk takes string values only. */
export type CardParamMap = Record<string, string>;

/** A template-free robot message: its msgKey (sampleMarkdown, sampleActionCard, sampleText) and msgParam. */
export interface RobotMessage {
  msgKey: string;
  msgParam: Record<string, string>;
}

/** The group (openConversationId) or person (staffId) a call is for: paced and held back there. */
interface Lane {
  key: string;
  pace: () => Promise<void>;
}

/** The card "space" of a group chat, as createAndDeliver takes it. */
export const groupSpaceId = (openConversationId: string) => `dtv1.card//IM_GROUP.${openConversationId}`;

/** The few OpenAPI calls the app makes: access token kept and renewed, calls paced per group and card, errors classified. */
export class DingTalkApi {
  private readonly token: DingTalkAccessToken;
  private readonly pacers: DingTalkPacers;
  private readonly held: KeyedHolds;
  private readonly timeoutMs: number;

  constructor(
    private readonly config: DingTalkAppConfig,
    private readonly logger: Logger,
    /** Told of each call held back: by our pacing, by DingTalk's throttling answer (`retry_after`) or its hold (`held`). */
    private readonly onHold: OnRateLimitHold = () => {},
    pacing: Pacing = localPacing,
  ) {
    this.timeoutMs = config.requestTimeoutMs ?? DEFAULT_DINGTALK_REQUEST_TIMEOUT_MS;
    this.pacers = dingtalkPacers(onHold, pacing);
    // Lane keys are `group:<id>`, `card:<id>`, `person:<id>`: held beside the buckets of `dingtalk:group` … on Redis.
    this.held = pacing.holds('dingtalk');
    this.token = new DingTalkAccessToken(() => this.fetchToken());
  }

  /** Creates a card from the template and delivers it into a group; `atUserIds` (staffId → name) are @mentioned. */
  async createGroupCard(
    openConversationId: string,
    outTrackId: string,
    cardParamMap: CardParamMap,
    priority: OutgoingPriority,
    atUserIds?: Record<string, string>,
  ): Promise<void> {
    const body = {
      cardTemplateId: this.config.cardTemplateId,
      outTrackId,
      callbackType: 'STREAM',
      cardData: { cardParamMap },
      openSpaceId: groupSpaceId(openConversationId),
      imGroupOpenSpaceModel: { supportForward: true },
      imGroupOpenDeliverModel: { robotCode: this.config.robotCode, ...(atUserIds && Object.keys(atUserIds).length ? { atUserIds } : {}) },
      userIdType: 1,
    };
    const result = await this.call<{ result?: { deliverResults?: Array<{ success?: boolean; errorMsg?: string }> } }>(
      'POST',
      '/v1.0/card/instances/createAndDeliver',
      body,
      this.groupLane(openConversationId, priority),
    );
    const failed = result.result?.deliverResults?.find((delivery) => delivery.success === false);
    if (failed) throw deliverFailure(failed.errorMsg);
  }

  /** Replaces the card's variables (those not sent stay), for everyone who sees it. */
  async updateCard(outTrackId: string, cardParamMap: CardParamMap): Promise<void> {
    await this.call('PUT', '/v1.0/card/instances', { outTrackId, cardData: { cardParamMap }, cardUpdateOptions: { updateCardDataByKey: true } }, {
      key: `card:${outTrackId}`,
      pace: async () => {
        await this.pacers.card.wait(outTrackId);
        await this.pacers.app.wait('app');
      },
    });
  }

  /** A template-free robot message in a group; returns its processQueryKey. */
  async sendGroupMessage(openConversationId: string, message: RobotMessage, priority: OutgoingPriority): Promise<string> {
    const body = { msgKey: message.msgKey, msgParam: JSON.stringify(message.msgParam), openConversationId, robotCode: this.config.robotCode };
    const result = await this.call<{ processQueryKey?: string }>('POST', '/v1.0/robot/groupMessages/send', body, this.groupLane(openConversationId, priority));
    if (!result.processQueryKey) throw new PlatformError('dingtalk', 'transient', 'no_process_query_key', 'DingTalk API answered without processQueryKey');
    return result.processQueryKey;
  }

  /** A robot message in the person's 1:1 chat with the robot. */
  async sendDirectMessage(staffId: string, message: RobotMessage, priority: OutgoingPriority): Promise<void> {
    const body = { robotCode: this.config.robotCode, userIds: [staffId], msgKey: message.msgKey, msgParam: JSON.stringify(message.msgParam) };
    const result = await this.call<{ invalidStaffIdList?: string[]; flowControlledStaffIdList?: string[] }>('POST', '/v1.0/robot/oToMessages/batchSend', body, {
      key: `person:${staffId}`,
      pace: () => this.pacers.person.wait(staffId, priority),
    });
    if (result.invalidStaffIdList?.includes(staffId)) throw new PlatformError('dingtalk', 'target_gone', 'invalid_staff_id', 'DingTalk does not know this user (invalidStaffIdList)');
    if (result.flowControlledStaffIdList?.includes(staffId)) {
      throw new PlatformError('dingtalk', 'rate_limited', 'flow_controlled', 'DingTalk held the message back (flowControlledStaffIdList)', 1000);
    }
  }

  /** The user by staffId (userid), with unionId, mobile and email where the app may read them; null when unknown. */
  async getUser(staffId: string): Promise<PlatformUserProfile | null> {
    try {
      const answer = await this.callOld<{ result?: OldUser }>('/topapi/v2/user/get', { userid: staffId, language: 'en_US' });
      return answer.result ? profileOf(answer.result) : null;
    } catch (error) {
      if (error instanceof PlatformError && (error.kind === 'target_gone' || error.kind === 'permission_denied')) return null;
      throw error;
    }
  }

  /** The active user with this mobile number; null when none. */
  async findUserByMobile(mobile: string): Promise<PlatformUserProfile | null> {
    try {
      const answer = await this.callOld<{ result?: { userid?: string } }>('/topapi/v2/user/getbymobile', { mobile });
      const staffId = answer.result?.userid;
      return staffId ? ((await this.getUser(staffId)) ?? { externalId: staffId, mobile }) : null;
    } catch (error) {
      if (error instanceof PlatformError && error.kind === 'target_gone') return null;
      throw error;
    }
  }

  /** The staffId of a unionId (the id that is the same person in every app of the organisation); null when unknown. */
  async staffIdOfUnionId(unionId: string): Promise<string | null> {
    try {
      const answer = await this.callOld<{ result?: { userid?: string } }>('/topapi/user/getbyunionid', { unionid: unionId });
      return answer.result?.userid ?? null;
    } catch (error) {
      if (error instanceof PlatformError && error.kind === 'target_gone') return null;
      throw error;
    }
  }

  private groupLane(openConversationId: string, priority: OutgoingPriority): Lane {
    return { key: `group:${openConversationId}`, pace: () => this.pacers.group.wait(openConversationId, priority) };
  }

  private async fetchToken(): Promise<{ token: string; expiresInSeconds: number }> {
    const answer = await this.request<{ accessToken?: string; expireIn?: number }>('POST', `${this.config.apiBaseUrl}/v1.0/oauth2/accessToken`, {
      appKey: this.config.clientId,
      appSecret: this.config.clientSecret,
    });
    if (!answer.accessToken) throw new PlatformError('dingtalk', 'auth', 'no_access_token', 'DingTalk gave no accessToken');
    return { token: answer.accessToken, expiresInSeconds: answer.expireIn ?? 7200 };
  }

  /** A new-API call with the access token, paced, retried when DingTalk says it may be, the token renewed once if refused. */
  private call<T>(method: string, path: string, body: unknown, lane?: Lane): Promise<T> {
    return this.authorized((token) => this.request<T>(method, `${this.config.apiBaseUrl}${path}`, body, { 'x-acs-dingtalk-access-token': token }), lane);
  }

  /** An old-API call (token in the query, errcode in the body). */
  private callOld<T>(path: string, body: unknown): Promise<T> {
    return this.authorized((token) => this.request<T>('POST', `${this.config.oapiBaseUrl}${path}?access_token=${encodeURIComponent(token)}`, body));
  }

  /** The token is taken inside each attempt, so a token DingTalk could not hand out is retried like the call itself. */
  private async authorized<T>(send: (token: string) => Promise<T>, lane?: Lane): Promise<T> {
    let used: string | undefined;
    const attempt = () =>
      this.paced(lane, async () => {
        used = await this.token.get();
        return send(used);
      });
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof PlatformError) || error.kind !== 'auth' || used === undefined) throw error;
      this.logger.info({ code: error.code }, 'dingtalk refused the access token; fetching a new one');
      this.token.forget(used);
      return attempt();
    }
  }

  private paced<T>(lane: Lane | undefined, request: () => Promise<T>): Promise<T> {
    return withRetry(
      async () => {
        if (lane) await waitTurnPastHolds(this.held, lane.key, lane.pace, (where) => this.onHold('held', where));
        try {
          return await request();
        } catch (error) {
          if (lane && error instanceof PlatformError && error.kind === 'rate_limited') this.onHold('retry_after', await this.held.hold(lane.key, error.retryAfterMs ?? 1000));
          throw error;
        }
      },
      platformRetryPolicy((error, attempt) => this.logger.debug({ kind: error.kind, attempt }, 'dingtalk call retried')),
    );
  }

  /** One HTTP exchange; both APIs' error shapes become PlatformErrors. */
  private async request<T>(method: string, url: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw unreachable(error);
    }
    const text = await response.text().catch(() => '');
    let parsed: Record<string, any> = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      if (response.ok) throw new PlatformError('dingtalk', 'transient', 'not_json', `DingTalk answered HTTP ${response.status} with something other than JSON`);
    }
    if (!response.ok) throw classifyDingTalkCode(response.status, typeof parsed.code === 'string' ? parsed.code : undefined, parsed.message);
    if (typeof parsed.errcode === 'number' && parsed.errcode !== 0) throw classifyDingTalkErrcode(parsed.errcode, parsed.errmsg);
    return parsed as T;
  }
}

/**
 * A card DingTalk took but could not deliver into the group: gone for good only when it says the robot is not in the
 * group or the group is gone (the group is then unbound); any other reason may pass, and the card is tried again.
 */
function deliverFailure(reason: string | undefined): PlatformError {
  const gone = /not in (the )?group|not.?exist|disband|dismiss/i.test(reason ?? '');
  return new PlatformError('dingtalk', gone ? 'target_gone' : 'transient', 'deliver_failed', `DingTalk card not delivered: ${reason ?? 'unknown reason'}`);
}

interface OldUser {
  userid: string;
  unionid?: string;
  name?: string;
  mobile?: string;
  email?: string;
  org_email?: string;
  active?: boolean;
}

function profileOf(user: OldUser): PlatformUserProfile {
  return {
    externalId: user.userid,
    name: user.name,
    email: user.email || user.org_email || undefined,
    mobile: user.mobile || undefined,
    unionId: user.unionid || undefined,
    userId: user.userid,
  };
}
