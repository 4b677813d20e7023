import { EntitySchema } from 'typeorm';
import { nullableTimestampColumn } from './columns.js';

/** How an integration's mailbox and outgoing mail are doing; one row per integration that has any. */
export interface IntegrationHealth {
  integrationId: number;
  lastIncomingAt: Date | null;
  lastOutgoingAt: Date | null;
  lastCheckAt: Date | null;
  lastSuccessfulCheckAt: Date | null;
  lastIncomingErrorAt: Date | null;
  lastIncomingError: string | null;
  /** Consecutive failed checks (or messages that could not be read); back to 0 when an email is received. */
  incomingErrors: number;
  lastOutgoingErrorAt: Date | null;
  lastOutgoingError: string | null;
  /** Consecutive failed sends; back to 0 when an email goes out. */
  outgoingErrors: number;
  /** Set when the errors reached the disable threshold; cleared when an admin enables the integration again. */
  disabledAutomaticallyAt: Date | null;
}

export const IntegrationHealthEntity = new EntitySchema<IntegrationHealth>({
  name: 'IntegrationHealth',
  tableName: 'integration_health',
  columns: {
    integrationId: { type: 'int', primary: true, name: 'integration_id' },
    lastIncomingAt: { ...nullableTimestampColumn, name: 'last_incoming_at' },
    lastOutgoingAt: { ...nullableTimestampColumn, name: 'last_outgoing_at' },
    lastCheckAt: { ...nullableTimestampColumn, name: 'last_check_at' },
    lastSuccessfulCheckAt: { ...nullableTimestampColumn, name: 'last_successful_check_at' },
    lastIncomingErrorAt: { ...nullableTimestampColumn, name: 'last_incoming_error_at' },
    lastIncomingError: { type: 'varchar', length: 500, name: 'last_incoming_error', nullable: true },
    incomingErrors: { type: 'int', name: 'incoming_errors', default: 0 },
    lastOutgoingErrorAt: { ...nullableTimestampColumn, name: 'last_outgoing_error_at' },
    lastOutgoingError: { type: 'varchar', length: 500, name: 'last_outgoing_error', nullable: true },
    outgoingErrors: { type: 'int', name: 'outgoing_errors', default: 0 },
    disabledAutomaticallyAt: { ...nullableTimestampColumn, name: 'disabled_automatically_at' },
  },
});
