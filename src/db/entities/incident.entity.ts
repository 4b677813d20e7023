import { EntitySchema } from 'typeorm';
import type { IncidentStatus, Severity } from '../../domain/incident-status.js';
import type { MessageFormat } from '../../domain/integration-settings.js';
import { createdAtColumn, idColumn, nullableTimestampColumn, updatedAtColumn } from './columns.js';

export interface Incident {
  id: number;
  channelId: number;
  title: string;
  description: string;
  descriptionFormat: MessageFormat;
  severity: Severity;
  status: IncidentStatus;
  alertCount: number;
  acknowledgedAt: Date | null;
  acknowledgedBy: number | null;
  closedAt: Date | null;
  closedBy: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export const IncidentEntity = new EntitySchema<Incident>({
  name: 'Incident',
  tableName: 'incidents',
  columns: {
    id: idColumn,
    channelId: { type: 'int', name: 'channel_id' },
    title: { type: 'varchar', length: 512 },
    description: { type: 'text' },
    descriptionFormat: { type: 'varchar', length: 16, name: 'description_format' },
    severity: { type: 'varchar', length: 16 },
    status: { type: 'varchar', length: 16 },
    alertCount: { type: 'int', name: 'alert_count' },
    acknowledgedAt: { ...nullableTimestampColumn, name: 'acknowledged_at' },
    acknowledgedBy: { type: 'int', nullable: true, name: 'acknowledged_by' },
    closedAt: { ...nullableTimestampColumn, name: 'closed_at' },
    closedBy: { type: 'int', nullable: true, name: 'closed_by' },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});
