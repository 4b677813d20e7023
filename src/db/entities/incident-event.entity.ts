import { EntitySchema } from 'typeorm';
import { createdAtColumn, idColumn } from './columns.js';

export type TimelineKind =
  | 'triggered'
  | 'alert_added'
  | 'alert_updated'
  | 'alert_resolved'
  | 'acknowledged'
  | 'closed'
  | 'reopened'
  | 'escalated';

/** Small facts about a timeline entry (which alert, why). */
export type TimelineDetail = Record<string, string | number | boolean | null>;

export type ActorType = 'system' | 'integration' | 'member' | 'admin';

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
