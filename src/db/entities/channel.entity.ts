import { EntitySchema } from 'typeorm';
import { createdAtColumn, idColumn, updatedAtColumn } from './columns.js';

export interface Channel {
  id: number;
  name: string;
  description: string;
  timeZone: string;
  createdAt: Date;
  updatedAt: Date;
}

export const ChannelEntity = new EntitySchema<Channel>({
  name: 'Channel',
  tableName: 'channels',
  columns: {
    id: idColumn,
    name: { type: 'varchar', length: 100, unique: true },
    description: { type: 'varchar', length: 500 },
    timeZone: { type: 'varchar', length: 64, name: 'time_zone' },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});
