import { EntitySchema } from 'typeorm';
import { createdAtColumn, timestampColumn } from './columns.js';
import type { PlatformName } from '../../domain/platform-name.js';

/** What an unlinked user tried to do, carried out once they are linked. */
export interface PendingAction {
  action: string;
  incidentId: number;
  chatId?: string;
}

/** A one-time code an IM user redeems to link their account to a member. */
export interface LinkCode {
  code: string;
  platform: PlatformName;
  externalId: string;
  /** The account's alternate ids, when the platform gave them: an admin mapping by one of them finds this code. */
  userId?: string | null;
  unionId?: string | null;
  pendingAction: PendingAction | null;
  expiresAt: Date;
  createdAt: Date;
}

export const LinkCodeEntity = new EntitySchema<LinkCode>({
  name: 'LinkCode',
  tableName: 'link_codes',
  columns: {
    code: { type: 'varchar', length: 32, primary: true },
    platform: { type: 'varchar', length: 16 },
    externalId: { type: 'varchar', length: 128, name: 'external_id' },
    userId: { type: 'varchar', length: 128, nullable: true, name: 'user_id' },
    unionId: { type: 'varchar', length: 128, nullable: true, name: 'union_id' },
    pendingAction: { type: 'simple-json', nullable: true, name: 'pending_action' },
    expiresAt: { ...timestampColumn, name: 'expires_at' },
    createdAt: createdAtColumn,
  },
});
