import { EntitySchema } from 'typeorm';
import { createdAtColumn, idColumn } from './columns.js';
import type { PlatformName } from '../../domain/platform-name.js';

/**
 * An admin unlinked this IM account from this member: it is never linked to them again automatically (by email or
 * mobile), only by an explicit admin link. The account's alternate ids are kept so it is recognised under any of them.
 */
export interface ImLinkBlock {
  id: number;
  platform: PlatformName;
  externalId: string;
  userId: string | null;
  unionId: string | null;
  memberId: number;
  createdAt: Date;
}

export const ImLinkBlockEntity = new EntitySchema<ImLinkBlock>({
  name: 'ImLinkBlock',
  tableName: 'im_link_blocks',
  columns: {
    id: idColumn,
    platform: { type: 'varchar', length: 16 },
    externalId: { type: 'varchar', length: 128, name: 'external_id' },
    userId: { type: 'varchar', length: 128, nullable: true, name: 'user_id' },
    unionId: { type: 'varchar', length: 128, nullable: true, name: 'union_id' },
    memberId: { type: 'int', name: 'member_id' },
    createdAt: createdAtColumn,
  },
});
