import { EntitySchema } from 'typeorm';
import type { BotEvent, BotKindName } from '../../domain/bot-kind-name.js';
import { createdAtColumn, idColumn, nullableTimestampColumn, updatedAtColumn } from './columns.js';

/**
 * A group chat's custom bot webhook that receives a channel's notices (outgoing only). `url` and `secret` are secrets:
 * never shown by the API, never logged. Health is kept on the row: the last success, the last error, and how many
 * sends in a row failed for good.
 */
export interface WebhookBot {
  id: number;
  channelId: number;
  name: string;
  kind: BotKindName;
  url: string;
  secret: string | null;
  chatId: string | null;
  keyword: string | null;
  /** Member email → this IM's user id, for @mentions (DingTalk mentions by mobile without one). */
  mappingTableId: number | null;
  /** The incident events of its channel the bot is told about. */
  events: BotEvent[];
  enabled: boolean;
  lastSuccessAt: Date | null;
  lastErrorAt: Date | null;
  lastError: string | null;
  consecutiveFailures: number;
  createdAt: Date;
  updatedAt: Date;
}

export const WebhookBotEntity = new EntitySchema<WebhookBot>({
  name: 'WebhookBot',
  tableName: 'webhook_bots',
  columns: {
    id: idColumn,
    channelId: { type: 'int', name: 'channel_id' },
    name: { type: 'varchar', length: 100 },
    kind: { type: 'varchar', length: 16 },
    url: { type: 'text' },
    secret: { type: 'varchar', length: 500, nullable: true },
    chatId: { type: 'varchar', length: 100, name: 'chat_id', nullable: true },
    keyword: { type: 'varchar', length: 100, nullable: true },
    mappingTableId: { type: 'int', name: 'mapping_table_id', nullable: true },
    events: { type: 'simple-json' },
    enabled: { type: 'boolean' },
    lastSuccessAt: { ...nullableTimestampColumn, name: 'last_success_at' },
    lastErrorAt: { ...nullableTimestampColumn, name: 'last_error_at' },
    lastError: { type: 'varchar', length: 500, name: 'last_error', nullable: true },
    consecutiveFailures: { type: 'int', name: 'consecutive_failures' },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});
