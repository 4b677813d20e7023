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

export interface PageResult {
  /** Names of the level's targets. */
  paged: string[];
  /** Targets with no linked IM account: reached only through an @-less group post, if at all. */
  unreachable: string[];
  /** The messages that did not go out, with their errors. */
  failed: FailedSend[];
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
}

interface PageSend {
  /** The destination it goes through (feishu, slack …). */
  destination: string;
  /** Names the message the same way on every delivery of the page: the tail of its idempotency key. */
  target: string;
  /** Whom or where it reaches, for the timeline: `Bob (feishu direct message)`, `feishu group chat "ops"`. */
  label: string;
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
    const plan = await this.plan(incident.channelId, level, { linkByEmail: true });
    const { members, identities, nameOf } = plan;
    const text = `Escalation level ${levelNumber}: incident #${incident.id} "${incident.title}" is still ${incident.status}. ${detailsUrl}`;
    const sends: PageSend[] = [];
    for (const { destination, notices, chat, mentions } of plan.groupChats) {
      sends.push({
        destination,
        target: `${destination}:group:${chat.chatId}`,
        label: `${destination} group chat "${chat.chatName || chat.chatId}"`,
        send: (key) => notices.sendChatNotice(chat.chatId, text, mentions, key),
      });
    }
    for (const { destination, direct, identity } of plan.directs) {
      sends.push({
        destination,
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
          target: `bot:${botId}`,
          label: bot ? `${bot.kind} bot "${bot.name}"` : `bot ${botId}`,
          send: (key) => pager.page(botId, { incident, channelName: channel?.name ?? '', detailsUrl, levelNumber, members, key }),
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
    const linked = new Set(identities.map((identity) => identity.memberId));
    return {
      paged: members.map((member) => member.name),
      unreachable: members.filter((member) => !linked.has(member.id)).map((member) => member.name),
      failed,
    };
  }

  /**
   * Whom and where a level reaches in a channel: its members with their linked accounts, the bound group chats (with
   * the @mentions they get), the direct messages and the group bots. The page sends it; the dry run shows it.
   * `linkByEmail`: first link members found by email in the platforms' directories (a page does; a dry run must not write).
   */
  async plan(channelId: number, level: EscalationLevel, options: { linkByEmail: boolean }): Promise<LevelPlan> {
    const members = level.memberIds.length ? await this.db.manager.findBy(MemberEntity, { id: In(level.memberIds) }) : [];
    if (options.linkByEmail) await this.identityService.linkByEmail(members);
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
    return { members, identities, nameOf, groupChats, directs, bots };
  }
}
