import { EntitySchema } from 'typeorm';
import type { ContactMethod } from '../../domain/contact-methods.js';
import { createdAtColumn, idColumn, updatedAtColumn } from './columns.js';

export interface Member {
  id: number;
  name: string;
  email: string | null;
  phone: string | null;
  /** Admins hear about failing integrations (email and their linked IM accounts). */
  isAdmin: boolean;
  /** The order in which a page reaches this member; null: the default order (IM, then email). */
  contactMethods: ContactMethod[] | null;
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
    isAdmin: { type: 'boolean', name: 'is_admin', default: false },
    contactMethods: { type: 'simple-json', name: 'contact_methods', nullable: true },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});
