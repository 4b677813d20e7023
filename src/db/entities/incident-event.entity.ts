import { EntitySchema } from 'typeorm';
import type { ActorType, TimelineDetail, TimelineKind } from '../../domain/timeline.js';
import { createdAtColumn, idColumn } from './columns.js';


/** One entry of an incident's timeline. */
export interface IncidentEvent {
  id: number;
  incidentId: number;
  kind: TimelineKind;
  actorType: ActorType;
  actorId: number | null;
  actorName: string;
  detail: TimelineDetail | null;
  createdAt: Date;
}

export const IncidentEventEntity = new EntitySchema<IncidentEvent>({
  name: 'IncidentEvent',
  tableName: 'incident_events',
  columns: {
    id: idColumn,
    incidentId: { type: 'int', name: 'incident_id' },
    kind: { type: 'varchar', length: 32 },
    actorType: { type: 'varchar', length: 16, name: 'actor_type' },
    actorId: { type: 'int', nullable: true, name: 'actor_id' },
    actorName: { type: 'varchar', length: 100, name: 'actor_name' },
    detail: { type: 'simple-json', nullable: true },
    createdAt: createdAtColumn,
  },
});
