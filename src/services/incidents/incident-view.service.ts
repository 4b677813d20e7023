
import type { Incident } from '../../db/entities/incident.entity.js';
import type { Database } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';
import type { EscalationView, IncidentView } from '../../rendering/incident-view.js';
import { readIncidentFacts, type TimelineEntry } from './incident-facts.query.js';
import type { IncidentLinks } from './incident-links.js';
import type { TimelineKind } from '../../domain/timeline.js';

const ACTIVITY_VERB: Record<TimelineKind, string> = {
  triggered: 'Triggered by',
  alert_added: 'Alert added by',
  alert_updated: 'Alert updated by',
  alert_resolved: 'Alert resolved by',
  acknowledged: 'Acknowledged by',
  closed: 'Closed by',
  reopened: 'Reopened by',
  escalated: 'Escalated by',
  not_reached: 'Page not delivered to everyone, noted by',
  fallback: 'Reached another way after a failed message, noted by',
};

/** Reads what a card shows about an incident, in one query. */
export class IncidentViewService {
  constructor(
    private readonly db: Database,
    private readonly links: IncidentLinks,
  ) {}

  async build(incidentId: number): Promise<IncidentView> {
    const facts = await readIncidentFacts(this.db, incidentId);
    if (!facts) throw new AppError('not_found', `incident ${incidentId} does not exist`);
    const { incident, timeline } = facts;
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
      escalationStep: incident.escalationStep,
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

function lastActorOf(timeline: TimelineEntry[], kind: TimelineKind): string | undefined {
  return timeline.find((entry) => entry.kind === kind)?.actorName;
}
