import { EntitySchema } from 'typeorm';
import type { PushRule, RoutingRule, MessageFormat, PushMode } from '../../domain/integration-settings.js';
import { createdAtColumn, idColumn, updatedAtColumn } from './columns.js';

export type IntegrationKind = 'dedicated' | 'shared';

/** One value of a type's settings, as stored in JSON. */
export type IntegrationSettingValue = string | number | boolean | null | string[];

export interface Integration {
  id: number;
  name: string;
  /** The source type (src/ingest/<type>/) that receives this integration's alerts and owns its `settings`. */
  type: string;
  kind: IntegrationKind;
  /** The secret part of the integration's URL. */
  key: string;
  /** Dedicated integrations only. */
  channelId: number | null;
  /** Shared integrations only: ordered routes, then the default channel. */
  routes: RoutingRule[] | null;
  defaultChannelId: number | null;
  messageFormat: MessageFormat;
  pushMode: PushMode;
  pushRules: PushRule[] | null;
  discardUnmatched: boolean;
  keywords: string[];
  /** The type's own settings, as its settings schema wrote them (secrets among them: never shown). */
  settings: Record<string, IntegrationSettingValue>;
  enabled: boolean;
  /** Who made the last change: `admin` (the admin API) or `system` (disabled automatically after repeated errors). */
  modifiedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const IntegrationEntity = new EntitySchema<Integration>({
  name: 'Integration',
  tableName: 'integrations',
  columns: {
    id: idColumn,
    name: { type: 'varchar', length: 100 },
    type: { type: 'varchar', length: 16 },
    kind: { type: 'varchar', length: 16 },
    key: { type: 'varchar', length: 64, unique: true, name: 'hook_key' },
    channelId: { type: 'int', nullable: true, name: 'channel_id' },
    routes: { type: 'simple-json', nullable: true },
    defaultChannelId: { type: 'int', nullable: true, name: 'default_channel_id' },
    messageFormat: { type: 'varchar', length: 16, name: 'message_format' },
    pushMode: { type: 'varchar', length: 16, name: 'push_mode' },
    pushRules: { type: 'simple-json', nullable: true, name: 'push_rules' },
    discardUnmatched: { type: 'boolean', name: 'discard_unmatched' },
    keywords: { type: 'simple-json' },
    settings: { type: 'simple-json' },
    enabled: { type: 'boolean' },
    modifiedBy: { type: 'varchar', length: 100, name: 'modified_by', nullable: true },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});
