import { In } from 'typeorm';
import { ChannelEntity } from '../../db/entities/channel.entity.js';
import { ChatBindingEntity, type ChatBinding } from '../../db/entities/chat-binding.entity.js';
import { ImIdentityEntity, type ImIdentity } from '../../db/entities/im-identity.entity.js';
import type { Incident } from '../../db/entities/incident.entity.js';
import { MemberEntity, type Member } from '../../db/entities/member.entity.js';
import type { WebhookBot } from '../../db/entities/webhook-bot.entity.js';
import type { DirectMessages, GroupNotices, Mention } from '../ports/capabilities.js';
import type { Database } from '../../db/database.js';
import type { EscalationLevel } from '../../domain/escalation-policy.js';
import type { PlatformName } from '../../domain/platform-name.js';
import type { Logger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics.js';
import type { BotPager } from '../bots/bot-pager.js';
import type { IdentityService } from '../identity/identity.service.js';
import type { DestinationRegistry } from '../registry/destination-registry.js';
import { failureKind } from '../ports/platform-error.js';
import type { FailedSend } from './page-outcome.js';
import { hasReceipt, noteReceipt } from '../../db/receipts.js';
import type { ContactFallback } from '../contact/contact-fallback.js';
import type { ContactProvider } from '../contact/contact-provider.js';
import { isPlatformError } from '../ports/platform-error.js';

/** Email pages, and the rule that reaches a member another way when their IM messages failed. */
export interface NotifierContact {
  email: ContactProvider;
  fallback: ContactFallback;
}

export interface PageResult {
  /** Names of the level's targets. */
  paged: string[];
  /** Targets with no linked IM account: reached only through an @-less group post, if at all. */
  unreachable: string[];
  /** The messages that did not go out, with their errors. */
  failed: FailedSend[];
  /** Of the level's members, those this delivery reached and those it did not (see PageReach). */
  reached: string[];
  notReached: string[];
}

/** What one escalation level reaches (see EscalationNotifier.plan). */
export interface LevelPlan {
  members: Member[];
  identities: ImIdentity[];
  nameOf(memberId: number): string;
  groupChats: Array<{ destination: string; notices: GroupNotices; chat: ChatBinding; mentions: Mention[] }>;
  directs: Array<{ destination: string; direct: DirectMessages; identity: ImIdentity }>;
  /** `bot` undefined: the bot was removed since the rule was written. */
  bots: Array<{ botId: number; bot?: WebhookBot }>;
  /** Members paged by email (`notifyEmail`, email set up, the member has an address). */
  emails: Member[];
}

interface PageSend {
  /** The destination it goes through (feishu, slack …). */
  destination: string;
  /** Names the message the same way on every delivery of the page: the tail of its idempotency key. */
  target: string;
  /** Whom or where it reaches, for the timeline: `Bob (feishu direct message)`, `feishu group chat "ops"`. */
  label: string;
  /** IM messages (group chats, direct messages, group bots) fall back to the next contact method when they all fail. */
  method: 'im' | 'email';
  /** The members it reaches (mentioned, messaged). */
  memberIds: number[];
  send(idempotencyKey: string): Promise<void>;
}

/** Delivers one escalation level: group chats of the incident's channel with @mentions, and direct messages. */
export class EscalationNotifier {
  constructor(
    private readonly db: Database,
    private readonly destinations: DestinationRegistry,
    private readonly identityService: IdentityService,
    private readonly logger: Logger,
    private readonly metrics: Pick<Metrics, 'pageMessageDelivered' | 'pageMessageUndelivered'>,
    /** Group bots as page targets (`notifyBotIds`); without it such targets are skipped. */
    private readonly bots?: BotPager,
    /** Email pages (`notifyEmail`) and the IM-failure fallback; without it neither happens. */
    private readonly contact?: NotifierContact,
  ) {}

  /**
   * `deliveryKey` names this page (one step of one escalation run): each message gets a key derived from it and its
   * target, so delivering the page again sends nothing twice where the platform deduplicates. `only`: the targets to
   * send to (those that failed last time); all of the level's when absent.
   */
  async page(
    incident: Incident,
    level: EscalationLevel,
    levelNumber: number,
    detailsUrl: string,
    deliveryKey: string,
    only?: ReadonlySet<string>,
  ): Promise<PageResult> {
    const plan = await this.plan(incident.channelId, level, { linkAccounts: true });
    const { members, identities, nameOf } = plan;
    const text = `Escalation level ${levelNumber}: incident #${incident.id} "${incident.title}" is still ${incident.status}. ${detailsUrl}`;
    const sends: PageSend[] = [];
    for (const { destination, notices, chat, mentions } of plan.groupChats) {
      sends.push({
        destination,
        method: 'im',
        memberIds: identities.filter((identity) => identity.platform === destination).map((identity) => identity.memberId),
        target: `${destination}:group:${chat.chatId}`,
        label: `${destination} group chat "${chat.chatName || chat.chatId}"`,
        send: (key) => notices.sendChatNotice(chat.chatId, text, mentions, key),
      });
    }
    for (const { destination, direct, identity } of plan.directs) {
      sends.push({
        destination,
        method: 'im',
        memberIds: [identity.memberId],
        target: `${destination}:dm:${identity.externalId}`,
        label: `${nameOf(identity.memberId)} (${destination} direct message)`,
        send: (key) => direct.sendDirectText(identity.externalId, text, key),
      });
    }
    if (plan.bots.length && this.bots) {
      const pager = this.bots;
      const channel = await this.db.manager.findOneBy(ChannelEntity, { id: incident.channelId });
      for (const { botId, bot } of plan.bots) {
        sends.push({
          destination: bot ? `${bot.kind}-bot` : 'bot',
          method: 'im',
          memberIds: members.map((member) => member.id),
          target: `bot:${botId}`,
          label: bot ? `${bot.kind} bot "${bot.name}"` : `bot ${botId}`,
          send: (key) => pager.page(botId, { incident, channelName: channel?.name ?? '', detailsUrl, levelNumber, members, key }),
        });
      }
    }
    const contact = this.contact;
    if (contact) {
      for (const member of plan.emails) {
        sends.push({
          destination: 'email',
          method: 'email',
          memberIds: [member.id],
          target: `email:${member.id}`,
          label: `${member.name} (email)`,
          // Mail servers do not deduplicate: the key, once sent, keeps a page delivered again from mailing twice.
          send: async (key) => {
            if (await hasReceipt(this.db.manager, key)) return;
            await contact.email.reach(member, { incident, levelNumber, detailsUrl });
            await noteReceipt(this.db.manager, key);
          },
        });
      }
    }
    const chosen = only ? sends.filter((send) => only.has(send.target)) : sends;
    const results = await Promise.allSettled(chosen.map((send) => send.send(`${deliveryKey}:${send.target}`)));
    const failed: FailedSend[] = [];
    for (const [index, result] of results.entries()) {
      if (result.status === 'fulfilled') {
        this.metrics.pageMessageDelivered(chosen[index].destination);
        continue;
      }
      const { destination, target, label } = chosen[index];
      this.metrics.pageMessageUndelivered(destination, failureKind(result.reason));
      failed.push({ target, label, error: result.reason });
      this.logger.warn({ err: result.reason, incidentId: incident.id, target }, 'escalation page not delivered');
    }
    const fellBack = contact ? await this.fallBack(contact, incident, members, chosen, results, { levelNumber, detailsUrl, deliveryKey }) : new Set<number>();
    const linked = new Set(identities.map((identity) => identity.memberId));
    const reached: string[] = [];
    const notReached: string[] = [];
    for (const member of members) {
      const mine = chosen.flatMap((send, index) => (send.memberIds.includes(member.id) ? [results[index]] : []));
      if (fellBack.has(member.id) || mine.some((result) => result.status === 'fulfilled')) reached.push(member.name);
      // A delivery of only what failed last time tells nothing about those it sent nothing to.
      else if (mine.length > 0 || !only) notReached.push(member.name);
    }
    return {
      paged: members.map((member) => member.name),
      unreachable: members.filter((member) => !linked.has(member.id)).map((member) => member.name),
      failed,
      reached,
      notReached,
    };
  }

  /**
   * Whom and where a level reaches in a channel: its members with their linked accounts, the bound group chats (with
   * the @mentions they get), the direct messages and the group bots. The page sends it; the dry run shows it.
   * `linkAccounts`: first link members found by email or mobile in the platforms' directories (a page does; a dry run must not write).
   */
  async plan(channelId: number, level: EscalationLevel, options: { linkAccounts: boolean }): Promise<LevelPlan> {
    const members = level.memberIds.length ? await this.db.manager.findBy(MemberEntity, { id: In(level.memberIds) }) : [];
    if (options.linkAccounts) await this.identityService.linkForPages(members);
    const identities = members.length ? await this.db.manager.findBy(ImIdentityEntity, { memberId: In(members.map((member) => member.id)) }) : [];
    const nameOf = (memberId: number) => members.find((member) => member.id === memberId)?.name ?? `member ${memberId}`;
    const identitiesOn = (name: string) => identities.filter((identity) => identity.platform === name);
    const groupChats: LevelPlan['groupChats'] = [];
    if (level.notifyGroupChats) {
      for (const { name, capability: notices } of this.destinations.with('notices')) {
        const chats = await this.db.manager.findBy(ChatBindingEntity, { platform: name as PlatformName, channelId });
        const mentions = identitiesOn(name).map((identity) => ({ externalId: identity.externalId, name: nameOf(identity.memberId) }));
        for (const chat of chats) groupChats.push({ destination: name, notices, chat, mentions });
      }
    }
    const directs: LevelPlan['directs'] = [];
    if (level.notifyDirect) {
      for (const { name, capability: direct } of this.destinations.with('direct')) {
        for (const identity of identitiesOn(name)) directs.push({ destination: name, direct, identity });
      }
    }
    const botIds = level.notifyBotIds ?? [];
    const found = botIds.length && this.bots ? await this.bots.bots(botIds) : [];
    const bots = this.bots ? botIds.map((botId) => ({ botId, bot: found.find((candidate) => candidate.id === botId) })) : [];
    const contact = this.contact;
    const emails = level.notifyEmail && contact ? members.filter((member) => contact.email.canReach(member)) : [];
    return { members, identities, nameOf, groupChats, directs, bots, emails };
  }

  /**
   * Members for whom every IM message of this delivery failed (after the clients' and bot retries) and who got no
   * email page either: reached by the next method of their contact order, noted on the timeline. Resolves to the ids
   * of the members it reached (now or on an earlier delivery of the page).
   */
  private async fallBack(
    contact: NotifierContact,
    incident: Incident,
    members: Member[],
    chosen: PageSend[],
    results: PromiseSettledResult<void>[],
    page: { levelNumber: number; detailsUrl: string; deliveryKey: string },
  ): Promise<Set<number>> {
    const stranded: Member[] = [];
    let reason = '';
    for (const member of members) {
      const mine = chosen.map((send, index) => ({ send, result: results[index] })).filter(({ send }) => send.memberIds.includes(member.id));
      const im = mine.filter(({ send }) => send.method === 'im');
      if (im.length === 0 || im.some(({ result }) => result.status === 'fulfilled')) continue;
      if (mine.some(({ send, result }) => send.method === 'email' && result.status === 'fulfilled')) continue;
      stranded.push(member);
      const first = im.find(({ result }) => result.status === 'rejected')!;
      const error = (first.result as PromiseRejectedResult).reason;
      reason ||= `${first.send.label}: ${isPlatformError(error) ? error.kind : 'failed'}`;
    }
    if (stranded.length === 0) return new Set();
    try {
      const reached = await contact.fallback.reachInstead(stranded, { incident, levelNumber: page.levelNumber, detailsUrl: page.detailsUrl, key: page.deliveryKey, failedMethod: 'im', reason });
      return new Set(reached.map((member) => member.id));
    } catch (error) {
      this.logger.error({ err: error, incidentId: incident.id }, 'IM-failure fallback failed');
      return new Set();
    }
  }
}
