import { EntitySchema } from 'typeorm';
import { createdAtColumn, idColumn, updatedAtColumn } from './columns.js';

export interface Member {
  id: number;
  name: string;
  email: string | null;
  phone: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const MemberEntity = new EntitySchema<Member>({
  name: 'Member',
  tableName: 'members',
  columns: {
    id: idColumn,
    name: { type: 'varchar', length: 100 },
    email: { type: 'varchar', length: 255, nullable: true, unique: true },
    phone: { type: 'varchar', length: 32, nullable: true },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});
