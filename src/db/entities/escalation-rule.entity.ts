import { EntitySchema } from 'typeorm';
import type { EscalationFilters, EscalationLevel } from '../../domain/escalation-policy.js';
import { createdAtColumn, idColumn, updatedAtColumn } from './columns.js';

export interface EscalationRule {
  id: number;
  channelId: number;
  name: string;
  /** Order within the channel: the first matching rule applies. */
  position: number;
  enabled: boolean;
  filters: EscalationFilters;
  levels: EscalationLevel[];
  repeat: number;
  stopOn: 'acknowledged' | 'closed';
  createdAt: Date;
  updatedAt: Date;
}

export const EscalationRuleEntity = new EntitySchema<EscalationRule>({
  name: 'EscalationRule',
  tableName: 'escalation_rules',
  columns: {
    id: idColumn,
    channelId: { type: 'int', name: 'channel_id' },
    name: { type: 'varchar', length: 100 },
    position: { type: 'int' },
    enabled: { type: 'boolean' },
    filters: { type: 'simple-json' },
    levels: { type: 'simple-json' },
    repeat: { type: 'int', name: 'repeat_count' },
    stopOn: { type: 'varchar', length: 16, name: 'stop_on' },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});
