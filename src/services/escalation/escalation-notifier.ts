import { In } from 'typeorm';
import { ChannelEntity } from '../../db/entities/channel.entity.js';
import { ChatBindingEntity } from '../../db/entities/chat-binding.entity.js';
import { ImIdentityEntity } from '../../db/entities/im-identity.entity.js';
import type { Incident } from '../../db/entities/incident.entity.js';
import { MemberEntity } from '../../db/entities/member.entity.js';
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
    const members = level.memberIds.length ? await this.db.manager.findBy(MemberEntity, { id: In(level.memberIds) }) : [];
    await this.identityService.linkForPages(members);
    const identities = members.length
      ? await this.db.manager.findBy(ImIdentityEntity, { memberId: In(members.map((member) => member.id)) })
      : [];
    const nameOf = (memberId: number) => members.find((member) => member.id === memberId)?.name ?? `member ${memberId}`;
    const text = `Escalation level ${levelNumber}: incident #${incident.id} "${incident.title}" is still ${incident.status}. ${detailsUrl}`;
    const sends: PageSend[] = [];

    const identitiesOn = (name: string) => identities.filter((identity) => identity.platform === name);
    if (level.notifyGroupChats) {
      for (const { name, capability: notices } of this.destinations.with('notices')) {
        const chats = await this.db.manager.findBy(ChatBindingEntity, { platform: name as PlatformName, channelId: incident.channelId });
        const mentions = identitiesOn(name).map((identity) => ({ externalId: identity.externalId, name: nameOf(identity.memberId) }));
        for (const chat of chats) {
          sends.push({
            destination: name,
            target: `${name}:group:${chat.chatId}`,
            label: `${name} group chat "${chat.chatName || chat.chatId}"`,
            send: (key) => notices.sendChatNotice(chat.chatId, text, mentions, key),
          });
        }
      }
    }
    if (level.notifyDirect) {
      for (const { name, capability: direct } of this.destinations.with('direct')) {
        for (const identity of identitiesOn(name)) {
          sends.push({
            destination: name,
            target: `${name}:dm:${identity.externalId}`,
            label: `${nameOf(identity.memberId)} (${name} direct message)`,
            send: (key) => direct.sendDirectText(identity.externalId, text, key),
          });
        }
      }
    }
    const botIds = level.notifyBotIds ?? [];
    if (botIds.length && this.bots) {
      const pager = this.bots;
      const [bots, channel] = await Promise.all([pager.bots(botIds), this.db.manager.findOneBy(ChannelEntity, { id: incident.channelId })]);
      for (const botId of botIds) {
        const bot = bots.find((candidate) => candidate.id === botId);
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
}
