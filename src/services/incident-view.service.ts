import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { AlertEntity } from '../db/entities/alert.entity.js';
import { ChannelEntity } from '../db/entities/channel.entity.js';
import { IncidentEventEntity, type IncidentEvent, type TimelineKind } from '../db/entities/incident-event.entity.js';
import { IncidentEntity, type Incident } from '../db/entities/incident.entity.js';
import { MemberEntity } from '../db/entities/member.entity.js';
import type { Database } from '../db/database.js';
import { AppError } from '../lib/errors.js';
import type { EscalationView, IncidentView } from '../rendering/incident-view.js';
import type { IncidentLinks } from './incident-links.js';

const ACTIVITY_VERB: Record<TimelineKind, string> = {
  triggered: 'Triggered by',
  alert_added: 'Alert added by',
  alert_updated: 'Alert updated by',
  alert_resolved: 'Alert resolved by',
  acknowledged: 'Acknowledged by',
  closed: 'Closed by',
  reopened: 'Reopened by',
  escalated: 'Escalated by',
};

/** Reads what a card shows about an incident, in two queries run side by side. */
export class IncidentViewService {
  constructor(
    private readonly db: Database,
    private readonly links: IncidentLinks,
  ) {}

  async build(incidentId: number): Promise<IncidentView> {
    const [facts, timeline] = await Promise.all([
      this.incidentFacts(incidentId),
      this.db.manager.find(IncidentEventEntity, { where: { incidentId }, order: { id: 'DESC' }, take: 50 }),
    ]);
    if (!facts) throw new AppError('not_found', `incident ${incidentId} does not exist`);
    const { incident } = facts;
    const nameOf = (memberName: string | null, kind: TimelineKind) => memberName ?? lastActorOf(timeline, kind) ?? 'system';

    const chronological = [...timeline].reverse();
    return {
      id: incident.id,
      title: incident.title,
      status: incident.status,
      severity: incident.severity,
      channelName: facts.channelName ?? `channel ${incident.channelId}`,
      alertCount: facts.alertCount,
      firstSeenAt: facts.firstSeenAt ?? incident.createdAt,
      lastSeenAt: facts.lastSeenAt ?? incident.updatedAt,
      description: incident.description,
      descriptionFormat: incident.descriptionFormat,
      acknowledged: incident.acknowledgedAt ? { by: nameOf(facts.acknowledgedByName, 'acknowledged'), at: incident.acknowledgedAt } : undefined,
      closed: incident.closedAt ? { by: nameOf(facts.closedByName, 'closed'), at: incident.closedAt } : undefined,
      responders: [...new Set(chronological.filter((entry) => entry.actorType === 'member').map((entry) => entry.actorName))],
      recentActivity: chronological.slice(-3).map((entry) => `${entry.createdAt.toISOString().slice(11, 16)} ${ACTIVITY_VERB[entry.kind]} ${entry.actorName}`),
      detailsUrl: this.links.detailsUrl(incident.id),
      escalation: escalationView(incident),
    };
  }

  /** The incident row with its channel's name, the acting members' names and its alerts' totals. */
  private async incidentFacts(incidentId: number): Promise<IncidentFacts | undefined> {
    const alerts = (select: string) => (sub: SelectQueryBuilder<ObjectLiteral>) =>
      sub.select(select).from(AlertEntity, 'alert').where('alert.incidentId = incident.id');
    const { entities, raw } = await this.db.manager
      .createQueryBuilder(IncidentEntity, 'incident')
      .leftJoin(ChannelEntity.options.name, 'channel', 'channel.id = incident.channelId')
      .leftJoin(MemberEntity.options.name, 'acker', 'acker.id = incident.acknowledgedBy')
      .leftJoin(MemberEntity.options.name, 'closer', 'closer.id = incident.closedBy')
      .addSelect('channel.name', 'channelName')
      .addSelect('acker.name', 'acknowledgedByName')
      .addSelect('closer.name', 'closedByName')
      .addSelect(alerts('SUM(alert.eventCount)'), 'alertCount')
      .addSelect(alerts('MIN(alert.firstSeenAt)'), 'firstSeenAt')
      .addSelect(alerts('MAX(alert.lastSeenAt)'), 'lastSeenAt')
      .where('incident.id = :incidentId', { incidentId })
      .getRawAndEntities();
    const incident = entities[0];
    if (!incident) return undefined;
    const row = raw[0] as Record<string, unknown>;
    return {
      incident,
      channelName: (row.channelName as string | null) ?? null,
      acknowledgedByName: (row.acknowledgedByName as string | null) ?? null,
      closedByName: (row.closedByName as string | null) ?? null,
      alertCount: Number(row.alertCount ?? 0),
      firstSeenAt: this.alertDate(row.firstSeenAt, 'firstSeenAt'),
      lastSeenAt: this.alertDate(row.lastSeenAt, 'lastSeenAt'),
    };
  }

  /** An aggregate read raw comes back as each driver stores the column; hydrate it as TypeORM does for the entity. */
  private alertDate(value: unknown, property: 'firstSeenAt' | 'lastSeenAt'): Date | undefined {
    if (value === null || value === undefined) return undefined;
    const column = this.db.dataSource.getMetadata(AlertEntity).findColumnWithPropertyName(property)!;
    return this.db.dataSource.driver.prepareHydratedValue(value, column) as Date;
  }
}

interface IncidentFacts {
  incident: Incident;
  channelName: string | null;
  acknowledgedByName: string | null;
  closedByName: string | null;
  alertCount: number;
  firstSeenAt?: Date;
  lastSeenAt?: Date;
}

export function escalationView(incident: Incident): EscalationView | undefined {
  const policy = incident.escalationPolicy;
  if (!policy) return undefined;
  const levels = policy.levels.length;
  return {
    ruleName: policy.ruleName,
    level: incident.escalationStep === 0 ? 0 : ((incident.escalationStep - 1) % levels) + 1,
    levels,
    paged: incident.escalationPaged ?? [],
    nextDueAt: incident.escalationDueAt ?? undefined,
  };
}

function lastActorOf(timeline: IncidentEvent[], kind: TimelineKind): string | undefined {
  return timeline.find((entry) => entry.kind === kind)?.actorName;
}
