import { EntitySchema } from 'typeorm';
import { updatedAtColumn } from './columns.js';

/** Settings of the whole account, one row (id 1); absent until an admin first saves them (defaults apply). */
export interface AccountSettings {
  id: number;
  /** After this many consecutive incoming errors of an email integration, the admins are told. */
  emailErrorsNotifyAfter: number;
  /** After this many, the integration is disabled until an admin enables it again. */
  emailErrorsDisableAfter: number;
  updatedAt: Date;
}

export const AccountSettingsEntity = new EntitySchema<AccountSettings>({
  name: 'AccountSettings',
  tableName: 'account_settings',
  columns: {
    id: { type: 'int', primary: true },
    emailErrorsNotifyAfter: { type: 'int', name: 'email_errors_notify_after' },
    emailErrorsDisableAfter: { type: 'int', name: 'email_errors_disable_after' },
    updatedAt: updatedAtColumn,
  },
});
