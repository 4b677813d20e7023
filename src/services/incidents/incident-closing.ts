import type { EntityManager } from 'typeorm';
import { AlertEntity } from '../../db/entities/alert.entity.js';
import { IncidentEntity } from '../../db/entities/incident.entity.js';
import { escalationOnStatus } from '../../domain/escalation-policy.js';
import type { Actor } from '../../domain/actor.js';
import { appendTimeline } from './timeline.js';

/** Closing all alerts of an incident closes it. Returns whether it was closed now. */
export async function closeIncidentIfQuiet(
  tx: EntityManager,
  incidentId: number,
  actor: Actor,
  now: Date,
  lockRows: boolean,
): Promise<boolean> {
  const incident = await tx.getRepository(IncidentEntity).findOne({
    where: { id: incidentId },
    lock: lockRows ? { mode: 'pessimistic_write' } : undefined,
  });
  if (!incident || incident.status === 'closed') return false;
  const firing = await tx.countBy(AlertEntity, { incidentId, status: 'firing' });
  if (firing > 0) return false;
  await tx.update(IncidentEntity, incidentId, { status: 'closed', closedAt: now, closedBy: null, updatedAt: now, ...escalationOnStatus(incident, 'closed') });
  await appendTimeline(tx, incidentId, 'closed', actor, now, { reason: 'all alerts resolved' });
  return true;
}

/** A person closed the incident: its alerts stop absorbing messages, so the next firing starts a new incident. */
export async function resolveFiringAlerts(tx: EntityManager, incidentId: number, now: Date): Promise<void> {
  await tx.update(AlertEntity, { incidentId, status: 'firing' }, { status: 'resolved', openKeyHash: null, resolvedAt: now });
}
