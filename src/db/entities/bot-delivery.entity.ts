import { EntitySchema } from 'typeorm';
import { createdAtColumn, idColumn, updatedAtColumn } from './columns.js';

export type BotDeliveryStatus = 'sending' | 'retrying' | 'sent' | 'failed';

/**
 * One message to a group bot and what came of it: the incident and event it was for (`test` for a test message, with
 * no incident), its status, tries so far, and the platform's last answer (HTTP status and body, cut to 2000
 * characters) or the error kind when it never answered.
 */
export interface BotDelivery {
  id: number;
  botId: number;
  incidentId: number | null;
  event: string;
  status: BotDeliveryStatus;
  attempts: number;
  answerStatus: number | null;
  answer: string | null;
  errorKind: string | null;
  /** Set for an escalation page's message: its idempotency key. */
  pageKey: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const BotDeliveryEntity = new EntitySchema<BotDelivery>({
  name: 'BotDelivery',
  tableName: 'bot_deliveries',
  columns: {
    id: idColumn,
    botId: { type: 'int', name: 'bot_id' },
    incidentId: { type: 'int', name: 'incident_id', nullable: true },
    event: { type: 'varchar', length: 32 },
    status: { type: 'varchar', length: 16 },
    attempts: { type: 'int' },
    answerStatus: { type: 'int', name: 'answer_status', nullable: true },
    answer: { type: 'text', nullable: true },
    errorKind: { type: 'varchar', length: 32, name: 'error_kind', nullable: true },
    pageKey: { type: 'varchar', length: 200, name: 'page_key', nullable: true },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});
