import type { EntityManager } from 'typeorm';
import { IncidentEventEntity, type IncidentEvent } from '../../db/entities/incident-event.entity.js';
import type { Actor } from '../../domain/actor.js';
import type { TimelineDetail, TimelineKind } from '../../domain/timeline.js';

export function timelineEntry(incidentId: number, kind: TimelineKind, actor: Actor, at: Date, detail: TimelineDetail | null = null): Omit<IncidentEvent, 'id'> {
  return { incidentId, kind, actorType: actor.type, actorId: actor.id, actorName: actor.name.slice(0, 100), detail, createdAt: at };
}

export async function appendTimeline(
  tx: EntityManager,
  incidentId: number,
  kind: TimelineKind,
  actor: Actor,
  at: Date,
  detail: TimelineDetail | null = null,
): Promise<void> {
  await tx.insert(IncidentEventEntity, timelineEntry(incidentId, kind, actor, at, detail));
}
