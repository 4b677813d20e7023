import { EntitySchema } from 'typeorm';
import { createdAtColumn } from './columns.js';

/** Inbound event ids already handled, for deduplication when Redis is not configured. */
export interface ProcessedEvent {
  eventKey: string;
  createdAt: Date;
}

export const ProcessedEventEntity = new EntitySchema<ProcessedEvent>({
  name: 'ProcessedEvent',
  tableName: 'processed_events',
  columns: {
    eventKey: { type: 'varchar', length: 160, primary: true, name: 'event_key' },
    createdAt: createdAtColumn,
  },
});
