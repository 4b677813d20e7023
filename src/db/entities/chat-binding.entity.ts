import { EntitySchema } from 'typeorm';
import type { PlatformName } from '../../domain/platform-name.js';
import { createdAtColumn, idColumn } from './columns.js';

/** A group chat that shows a channel's incidents. One chat shows one channel; a channel may have many chats. */
export interface ChatBinding {
  id: number;
  platform: PlatformName;
  chatId: string;
  channelId: number;
  chatName: string;
  createdAt: Date;
}

export const ChatBindingEntity = new EntitySchema<ChatBinding>({
  name: 'ChatBinding',
  tableName: 'chat_bindings',
  columns: {
    id: idColumn,
    platform: { type: 'varchar', length: 16 },
    chatId: { type: 'varchar', length: 128, name: 'chat_id' },
    channelId: { type: 'int', name: 'channel_id' },
    chatName: { type: 'varchar', length: 200, name: 'chat_name' },
    createdAt: createdAtColumn,
  },
});
