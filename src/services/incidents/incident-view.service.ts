
import type { Incident } from '../../db/entities/incident.entity.js';
import type { Database } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';
import type { EscalationView, IncidentView, Responder, ResponderRole } from '../../rendering/incident-view.js';
import { usableTimeZone } from '../../rendering/zoned-time.js';
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
  reached: 'Page reached someone after all, noted by',
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
      timeZone: usableTimeZone(facts.channelTimeZone),
      alertCount: facts.alertCount,
      eventCount: facts.eventCount,
      firstSeenAt: facts.firstSeenAt ?? incident.createdAt,
      lastSeenAt: facts.lastSeenAt ?? incident.updatedAt,
      description: incident.description,
      descriptionFormat: incident.descriptionFormat,
      acknowledged: incident.acknowledgedAt ? { by: nameOf(facts.acknowledgedByName, 'acknowledged'), at: incident.acknowledgedAt } : undefined,
      closed: incident.closedAt ? { by: nameOf(facts.closedByName, 'closed'), at: incident.closedAt } : undefined,
      responders: responders(chronological, [...(incident.pagedResponders ?? []), ...(incident.escalationPaged ?? [])], incident.pagedReach),
      recentActivity: chronological.slice(-3).map((entry) => ({ at: entry.createdAt, text: activityText(entry) })),
      detailsUrl: this.links.detailsUrl(incident.id),
      escalationStep: incident.escalationStep,
      escalation: escalationView(incident, new Set(chronological.filter((entry) => entry.actorType === 'member').map((entry) => entry.actorName))),
    };
  }
}

const ROLE_OF: Partial<Record<TimelineKind, ResponderRole>> = {
  acknowledged: 'acknowledged',
  closed: 'closed',
  reopened: 'reopened',
  escalated: 'escalated',
};

/**
 * Members who acted, in order of first action, each with what they did last; then the people paged who have not
 * acted, in order of paging: `not_reached` when no page got through to them (so far), else `paged`. A name stands once.
 */
function responders(chronological: TimelineEntry[], paged: string[], reach: Incident['pagedReach']): Responder[] {
  const acted = new Map<string, ResponderRole>();
  for (const entry of chronological) if (entry.actorType === 'member') acted.set(entry.actorName, ROLE_OF[entry.kind] ?? 'acted');
  const waiting = [...new Set(paged)].filter((name) => !acted.has(name));
  return [
    ...[...acted].map(([name, role]) => ({ name, role })),
    ...waiting.map((name) => ({ name, role: reach?.[name] === 'not_reached' ? ('not_reached' as const) : ('paged' as const) })),
  ];
}

/** Of `names`, those a page has not reached (so far). */
export function notReachedOf(names: string[], reach: Incident['pagedReach']): string[] {
  return names.filter((name) => reach?.[name] === 'not_reached');
}

/**
 * The escalation state for a reader. `acted`: members who acted on the incident, never shown as not reached (they got
 * word of it, whatever became of their pages); without it, `notReached` is what the pages recorded.
 */
export function escalationView(incident: Incident, acted?: ReadonlySet<string>): EscalationView | undefined {
  const policy = incident.escalationPolicy;
  if (!policy) return undefined;
  const levels = policy.levels.length;
  return {
    ruleName: policy.ruleName,
    level: incident.escalationStep === 0 ? 0 : ((incident.escalationStep - 1) % levels) + 1,
    levels,
    paged: incident.escalationPaged ?? [],
    notReached: notReachedOf(incident.escalationPaged ?? [], incident.pagedReach).filter((name) => !acted?.has(name)),
    nextDueAt: incident.escalationDueAt ?? undefined,
  };
}

/** `Acknowledged by Ann`; for who a page did or did not reach, their names: `Not reached by any page: Bob`. */
function activityText(entry: TimelineEntry): string {
  if (entry.members && entry.kind === 'not_reached') return `Not reached by any page: ${entry.members}`;
  if (entry.members && entry.kind === 'reached') return `Reached after all: ${entry.members}`;
  return `${ACTIVITY_VERB[entry.kind]} ${entry.actorName}`;
}

function lastActorOf(timeline: TimelineEntry[], kind: TimelineKind): string | undefined {
  return timeline.find((entry) => entry.kind === kind)?.actorName;
}
