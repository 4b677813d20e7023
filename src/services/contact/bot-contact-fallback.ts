import { In } from 'typeorm';
import type { BotDelivery } from '../../db/entities/bot-delivery.entity.js';
import { IncidentEntity } from '../../db/entities/incident.entity.js';
import { MemberEntity } from '../../db/entities/member.entity.js';
import type { WebhookBot } from '../../db/entities/webhook-bot.entity.js';
import type { Database } from '../../db/database.js';
import { levelOfStep } from '../../domain/escalation-policy.js';
import type { BotFailureFallback } from '../bots/bot-failure-fallback.js';
import type { IncidentLinks } from '../incidents/incident-links.js';
import type { ContactFallback } from './contact-fallback.js';

/**
 * A group bot's incident message that failed for good (retries spent, bot removed …): the members of the incident's
 * current escalation level are reached by the next method of their contact order, once per bot and level. Messages
 * with no incident (tests) or whose incident is closed or not escalating reach no one.
 * (Escalation pages through bots fall back in the escalation notifier, where their failure lands.)
 */
export class BotContactFallback implements BotFailureFallback {
  constructor(
    private readonly db: Database,
    private readonly fallback: ContactFallback,
    private readonly links: IncidentLinks,
  ) {}

  async deliveryFailed(bot: WebhookBot, delivery: BotDelivery): Promise<void> {
    // A page's failure is thrown back to the escalation notifier, which falls back for it.
    if (delivery.incidentId === null || delivery.pageKey !== null) return;
    const incident = await this.db.manager.findOneBy(IncidentEntity, { id: delivery.incidentId });
    const policy = incident?.escalationPolicy;
    if (!incident || !policy || incident.status === 'closed' || incident.escalationStep === 0) return;
    const { level } = levelOfStep(policy, incident.escalationStep - 1);
    const memberIds = policy.levels[level].memberIds;
    const members = memberIds.length ? await this.db.manager.findBy(MemberEntity, { id: In(memberIds) }) : [];
    await this.fallback.reachInstead(members, {
      incident,
      levelNumber: level + 1,
      detailsUrl: this.links.detailsUrl(incident.id),
      key: `bot:${bot.id}:${incident.id}:${incident.escalationStep}`,
      failedMethod: 'im',
      reason: `${bot.kind} bot "${bot.name}": ${delivery.errorKind ?? 'failed'}`,
    });
  }
}
