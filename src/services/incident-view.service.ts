import { In } from 'typeorm';
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

/** Reads what a card shows about an incident, in a handful of queries. */
export class IncidentViewService {
  constructor(
    private readonly db: Database,
    private readonly links: IncidentLinks,
  ) {}

  async build(incidentId: number): Promise<IncidentView> {
    const manager = this.db.manager;
    const incident = await manager.findOneBy(IncidentEntity, { id: incidentId });
    if (!incident) throw new AppError('not_found', `incident ${incidentId} does not exist`);
    const [channel, alerts, timeline] = await Promise.all([
      manager.findOneBy(ChannelEntity, { id: incident.channelId }),
      manager.find(AlertEntity, { where: { incidentId }, select: { id: true, firstSeenAt: true, lastSeenAt: true, eventCount: true } }),
      manager.find(IncidentEventEntity, { where: { incidentId }, order: { id: 'DESC' }, take: 50 }),
    ]);
    const memberIds = [incident.acknowledgedBy, incident.closedBy].filter((id): id is number => id !== null);
    const members = memberIds.length ? await manager.findBy(MemberEntity, { id: In(memberIds) }) : [];
    const nameOf = (memberId: number | null, kind: TimelineKind) =>
      members.find((member) => member.id === memberId)?.name ?? lastActorOf(timeline, kind) ?? 'system';

    const chronological = [...timeline].reverse();
    return {
      id: incident.id,
      title: incident.title,
      status: incident.status,
      severity: incident.severity,
      channelName: channel?.name ?? `channel ${incident.channelId}`,
      alertCount: alerts.reduce((sum, alert) => sum + alert.eventCount, 0),
      firstSeenAt: minDate(alerts.map((alert) => alert.firstSeenAt)) ?? incident.createdAt,
      lastSeenAt: maxDate(alerts.map((alert) => alert.lastSeenAt)) ?? incident.updatedAt,
      description: incident.description,
      descriptionFormat: incident.descriptionFormat,
      acknowledged: incident.acknowledgedAt ? { by: nameOf(incident.acknowledgedBy, 'acknowledged'), at: incident.acknowledgedAt } : undefined,
      closed: incident.closedAt ? { by: nameOf(incident.closedBy, 'closed'), at: incident.closedAt } : undefined,
      responders: [...new Set(chronological.filter((entry) => entry.actorType === 'member').map((entry) => entry.actorName))],
      recentActivity: chronological.slice(-3).map((entry) => `${entry.createdAt.toISOString().slice(11, 16)} ${ACTIVITY_VERB[entry.kind]} ${entry.actorName}`),
      detailsUrl: this.links.detailsUrl(incident.id),
      escalation: escalationView(incident),
    };
  }
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

function minDate(dates: Date[]): Date | undefined {
  return dates.length ? new Date(Math.min(...dates.map((date) => date.getTime()))) : undefined;
}

function maxDate(dates: Date[]): Date | undefined {
  return dates.length ? new Date(Math.max(...dates.map((date) => date.getTime()))) : undefined;
}
