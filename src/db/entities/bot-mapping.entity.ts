import { EntitySchema } from 'typeorm';
import type { BotKindName } from '../../domain/bot-kind-name.js';
import { createdAtColumn, idColumn, updatedAtColumn } from './columns.js';

/** A table of member email → user id on one IM, for group bots of that kind to @mention members. */
export interface BotMappingTable {
  id: number;
  name: string;
  kind: BotKindName;
  createdAt: Date;
  updatedAt: Date;
}

export interface BotMappingRow {
  id: number;
  tableId: number;
  /** Lower-cased. */
  email: string;
  userId: string;
}

export const BotMappingTableEntity = new EntitySchema<BotMappingTable>({
  name: 'BotMappingTable',
  tableName: 'bot_mapping_tables',
  columns: {
    id: idColumn,
    name: { type: 'varchar', length: 100, unique: true },
    kind: { type: 'varchar', length: 16 },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});

export const BotMappingRowEntity = new EntitySchema<BotMappingRow>({
  name: 'BotMappingRow',
  tableName: 'bot_mapping_rows',
  columns: {
    id: idColumn,
    tableId: { type: 'int', name: 'table_id' },
    email: { type: 'varchar', length: 255 },
    userId: { type: 'varchar', length: 128, name: 'user_id' },
  },
});
