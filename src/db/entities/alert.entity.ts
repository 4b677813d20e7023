import { EntitySchema } from 'typeorm';
import type { AlertStatus, Severity } from '../../domain/incident-status.js';
import type { AlertLink, MessageFormat } from '../../domain/integration-settings.js';
import { idColumn, nullableTimestampColumn, timestampColumn } from './columns.js';

export interface Alert {
  id: number;
  integrationId: number;
  incidentId: number;
  alertKey: string;
  /**
   * sha256 of the dedupe key while the alert is firing, NULL once resolved (or in "always new" mode).
   * A unique index on (integration, openKeyHash) is what makes "one open alert per key" hold under concurrency.
   */
  openKeyHash: string | null;
  title: string;
  description: string;
  descriptionFormat: MessageFormat;
  severity: Severity;
  status: AlertStatus;
  eventCount: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  resolvedAt: Date | null;
  rawPayload: string;
  /** Links the alert carried besides its text (card buttons, post links); null when none. */
  links: AlertLink[] | null;
}

export const AlertEntity = new EntitySchema<Alert>({
  name: 'Alert',
  tableName: 'alerts',
  columns: {
    id: idColumn,
    integrationId: { type: 'int', name: 'integration_id' },
    incidentId: { type: 'int', name: 'incident_id' },
    alertKey: { type: 'varchar', length: 512, name: 'alert_key' },
    openKeyHash: { type: 'varchar', length: 64, nullable: true, name: 'open_key_hash' },
    title: { type: 'varchar', length: 512 },
    description: { type: 'text' },
    descriptionFormat: { type: 'varchar', length: 16, name: 'description_format' },
    severity: { type: 'varchar', length: 16 },
    status: { type: 'varchar', length: 16 },
    eventCount: { type: 'int', name: 'event_count' },
    firstSeenAt: { ...timestampColumn, name: 'first_seen_at' },
    lastSeenAt: { ...timestampColumn, name: 'last_seen_at' },
    resolvedAt: { ...nullableTimestampColumn, name: 'resolved_at' },
    rawPayload: { type: 'text', name: 'raw_payload' },
    links: { type: 'simple-json', nullable: true },
  },
});
