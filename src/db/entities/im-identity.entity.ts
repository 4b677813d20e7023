import { EntitySchema } from 'typeorm';
import { createdAtColumn, idColumn } from './columns.js';
import type { PlatformName } from '../../domain/platform-name.js';

export type LinkMethod = 'auto_email' | 'auto_mobile' | 'admin' | 'link_code';

/**
 * Other ids a platform has for the same account, next to its primary one (Feishu: user_id, per tenant, and union_id,
 * per developer, next to the per-app open_id). A stored link may know an account by any of them.
 */
export interface AlternateIds {
  userId?: string;
  unionId?: string;
}

/** An IM account (Feishu open_id, Slack user id, …: its primary id) acting as a member. */
export interface ImIdentity {
  id: number;
  platform: PlatformName;
  externalId: string;
  unionId: string | null;
  userId: string | null;
  memberId: number;
  linkedBy: LinkMethod;
  createdAt: Date;
}

export const ImIdentityEntity = new EntitySchema<ImIdentity>({
  name: 'ImIdentity',
  tableName: 'im_identities',
  columns: {
    id: idColumn,
    platform: { type: 'varchar', length: 16 },
    externalId: { type: 'varchar', length: 128, name: 'external_id' },
    unionId: { type: 'varchar', length: 128, nullable: true, name: 'union_id' },
    userId: { type: 'varchar', length: 128, nullable: true, name: 'user_id' },
    memberId: { type: 'int', name: 'member_id' },
    linkedBy: { type: 'varchar', length: 16, name: 'linked_by' },
    createdAt: createdAtColumn,
  },
});
