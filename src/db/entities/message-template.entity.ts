import { EntitySchema } from 'typeorm';
import type { TemplateEvent, TemplateKind } from '../../domain/message-template.js';
import { createdAtColumn, idColumn, updatedAtColumn } from './columns.js';

/** A channel's own message template for one destination kind and event, used instead of the built-in one. */
export interface MessageTemplate {
  id: number;
  channelId: number;
  kind: TemplateKind;
  event: TemplateEvent;
  /** LiquidJS source, checked to parse when saved. */
  source: string;
  createdAt: Date;
  updatedAt: Date;
}

export const MessageTemplateEntity = new EntitySchema<MessageTemplate>({
  name: 'MessageTemplate',
  tableName: 'message_templates',
  columns: {
    id: idColumn,
    channelId: { type: 'int', name: 'channel_id' },
    kind: { type: 'varchar', length: 16 },
    event: { type: 'varchar', length: 16 },
    source: { type: 'text' },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
  indices: [{ name: 'uq_message_templates_channel_kind_event', columns: ['channelId', 'kind', 'event'], unique: true }],
});
