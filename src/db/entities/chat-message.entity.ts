import { EntitySchema } from 'typeorm';
import { createdAtColumn, idColumn, nullableTimestampColumn } from './columns.js';
import type { PlatformName } from '../../domain/platform-name.js';

/** The incident card in one chat. The row is claimed before posting, so only one card per chat is ever posted. */
export interface ChatMessage {
  id: number;
  platform: PlatformName;
  chatId: string;
  incidentId: number;
  /** Null while the claim's owner is still posting (or after a post failed). */
  messageId: string | null;
  postedAt: Date | null;
  createdAt: Date;
}

export const ChatMessageEntity = new EntitySchema<ChatMessage>({
  name: 'ChatMessage',
  tableName: 'chat_messages',
  columns: {
    id: idColumn,
    platform: { type: 'varchar', length: 16 },
    chatId: { type: 'varchar', length: 128, name: 'chat_id' },
    incidentId: { type: 'int', name: 'incident_id' },
    messageId: { type: 'varchar', length: 128, nullable: true, name: 'message_id' },
    postedAt: { ...nullableTimestampColumn, name: 'posted_at' },
    createdAt: createdAtColumn,
  },
});
