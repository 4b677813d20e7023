import { In, LessThan, MoreThanOrEqual, And, type FindOptionsWhere } from 'typeorm';
import { AlertEntity, type Alert } from '../../db/entities/alert.entity.js';
import { IncidentEventEntity, type IncidentEvent } from '../../db/entities/incident-event.entity.js';
import { IncidentEntity, type Incident } from '../../db/entities/incident.entity.js';
import type { Database } from '../../db/database.js';
import { transition, type IncidentAction, type IncidentStatus, type Severity } from '../../domain/incident-status.js';
import { escalationOnStatus } from '../../domain/escalation-policy.js';
import { AppError } from '../../lib/errors.js';
import type { Actor } from '../../domain/actor.js';
import { resolveFiringAlerts } from './incident-closing.js';
import type { ChangeNotes, IncidentChangeFeed } from './incident-change-feed.js';
import { appendTimeline } from './timeline.js';
import type { TimelineKind } from '../../domain/timeline.js';

export interface IncidentFilter {
  status?: IncidentStatus[];
  channelId?: number;
  severity?: Severity;
  since?: Date;
  until?: Date;
  /** Cursor: only incidents with a smaller id (newest first). */
  beforeId?: number;
  limit: number;
}

export interface IncidentDetail {
  incident: Incident;
  alerts: Alert[];
  timeline: IncidentEvent[];
}

export interface ActResult {
  incident: Incident;
  /** `unchanged`: the incident already was where the action leads (a double click, a stale card). */
  outcome: 'changed' | 'unchanged';
}

const TIMELINE_KIND: Record<IncidentAction, TimelineKind> = {
  acknowledge: 'acknowledged',
  close: 'closed',
  reopen: 'reopened',
};

/** Everything a person can do to an incident, whichever door (API, card, command) they came through. */
export class IncidentService {
  constructor(
    private readonly db: Database,
    private readonly changes: IncidentChangeFeed,
  ) {}

  /** `notes`, when given, runs after the commit of a change and travels with its announcement. */
  async act(incidentId: number, action: IncidentAction, actor: Actor, notes?: () => Promise<ChangeNotes>): Promise<ActResult> {
    const result = await this.db.transaction(async (tx) => {
      const incident = await tx.getRepository(IncidentEntity).findOne({
        where: { id: incidentId },
        lock: this.db.isMysql ? { mode: 'pessimistic_write' } : undefined,
      });
      if (!incident) throw new AppError('not_found', `incident ${incidentId} does not exist`);
      const step = transition(incident.status, action);
      if (step.outcome === 'invalid') throw new AppError('invalid_transition', `cannot ${action} incident ${incidentId}: ${step.reason}`);
      if (step.outcome === 'unchanged') return { incident, outcome: 'unchanged' as const };

      const now = new Date();
      const changes: Partial<Incident> = { status: step.next, updatedAt: now };
      if (action === 'acknowledge') Object.assign(changes, { acknowledgedAt: now, acknowledgedBy: actor.id });
      if (action === 'close') {
        Object.assign(changes, { closedAt: now, closedBy: actor.id });
        await resolveFiringAlerts(tx, incidentId, now);
      }
      if (action === 'reopen') {
        Object.assign(changes, { acknowledgedAt: null, acknowledgedBy: null, closedAt: null, closedBy: null });
      }
      Object.assign(changes, escalationOnStatus(incident, step.next));
      await tx.update(IncidentEntity, incidentId, changes);
      await appendTimeline(tx, incidentId, TIMELINE_KIND[action], actor, now);
      return { incident: { ...incident, ...changes }, outcome: 'changed' as const };
    });
    if (result.outcome === 'changed') {
      // The change is committed: it is announced even when the notes cannot be had.
      const extra = notes ? await notes().catch(() => ({})) : {};
      this.changes.publish({ incidentId, channelId: result.incident.channelId, kind: TIMELINE_KIND[action], ...extra });
    }
    return result;
  }

  async get(incidentId: number): Promise<IncidentDetail> {
    const incident = await this.db.manager.findOneBy(IncidentEntity, { id: incidentId });
    if (!incident) throw new AppError('not_found', `incident ${incidentId} does not exist`);
    const [alerts, timeline] = await Promise.all([
      this.db.manager.find(AlertEntity, { where: { incidentId }, order: { id: 'ASC' } }),
      this.db.manager.find(IncidentEventEntity, { where: { incidentId }, order: { id: 'ASC' } }),
    ]);
    return { incident, alerts, timeline };
  }

  async list(filter: IncidentFilter): Promise<Incident[]> {
    const where: FindOptionsWhere<Incident> = {};
    if (filter.status?.length) where.status = In(filter.status);
    if (filter.channelId !== undefined) where.channelId = filter.channelId;
    if (filter.severity) where.severity = filter.severity;
    if (filter.beforeId !== undefined) where.id = LessThan(filter.beforeId);
    if (filter.since && filter.until) where.createdAt = And(MoreThanOrEqual(filter.since), LessThan(filter.until));
    else if (filter.since) where.createdAt = MoreThanOrEqual(filter.since);
    else if (filter.until) where.createdAt = LessThan(filter.until);
    return this.db.manager.find(IncidentEntity, { where, order: { id: 'DESC' }, take: filter.limit });
  }
}
