import { EntitySchema } from 'typeorm';
import type { PushRule, RoutingRule, MessageFormat, PushMode } from '../../domain/integration-settings.js';
import { createdAtColumn, idColumn, updatedAtColumn } from './columns.js';

export type IntegrationKind = 'dedicated' | 'shared';

export interface Integration {
  id: number;
  name: string;
  type: 'feishu';
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
  signingSecret: string | null;
  keywords: string[];
  enabled: boolean;
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
    signingSecret: { type: 'varchar', length: 255, nullable: true, name: 'signing_secret' },
    keywords: { type: 'simple-json' },
    enabled: { type: 'boolean' },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});
