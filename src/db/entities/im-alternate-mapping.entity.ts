import { EntitySchema } from 'typeorm';
import { createdAtColumn, idColumn } from './columns.js';
import type { PlatformName } from '../../domain/platform-name.js';

/**
 * An admin's mapping of an IM account known only by an alternate id (Feishu user_id / union_id) to a member. The
 * account's first click or command, which carries its primary id too, turns it into an ImIdentity.
 */
export interface ImAlternateMapping {
  id: number;
  platform: PlatformName;
  userId: string | null;
  unionId: string | null;
  memberId: number;
  createdAt: Date;
}

export const ImAlternateMappingEntity = new EntitySchema<ImAlternateMapping>({
  name: 'ImAlternateMapping',
  tableName: 'im_alternate_mappings',
  columns: {
    id: idColumn,
    platform: { type: 'varchar', length: 16 },
    userId: { type: 'varchar', length: 128, nullable: true, name: 'user_id' },
    unionId: { type: 'varchar', length: 128, nullable: true, name: 'union_id' },
    memberId: { type: 'int', name: 'member_id' },
    createdAt: createdAtColumn,
  },
});
