import type { EntityManager } from 'typeorm';
import { IncidentEventEntity, type TimelineDetail, type TimelineKind } from '../db/entities/incident-event.entity.js';
import type { Actor } from './actor.js';

export async function appendTimeline(
  tx: EntityManager,
  incidentId: number,
  kind: TimelineKind,
  actor: Actor,
  at: Date,
  detail: TimelineDetail | null = null,
): Promise<void> {
  await tx.insert(IncidentEventEntity, {
    incidentId,
    kind,
    actorType: actor.type,
    actorId: actor.id,
    actorName: actor.name.slice(0, 100),
    detail,
    createdAt: at,
  });
}
