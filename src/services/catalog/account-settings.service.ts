import { AccountSettingsEntity, type AccountSettings } from '../../db/entities/account-settings.entity.js';
import { isUniqueViolation, type Database } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';

export type AccountSettingsView = Omit<AccountSettings, 'id' | 'updatedAt'>;

/** What applies until an admin saves settings: told after 3 failed checks in a row, disabled after 10. */
export const DEFAULT_ACCOUNT_SETTINGS: AccountSettingsView = { emailErrorsNotifyAfter: 3, emailErrorsDisableAfter: 10 };
const ROW_ID = 1;
const ROW_KEY = { name: 'PRIMARY', columns: 'account_settings.id' };

/** Account-level settings (one row); read on every failed mailbox check, which is rare, so not cached. */
export class AccountSettingsService {
  constructor(private readonly db: Database) {}

  async get(): Promise<AccountSettingsView> {
    const row = await this.db.manager.findOneBy(AccountSettingsEntity, { id: ROW_ID });
    if (!row) return { ...DEFAULT_ACCOUNT_SETTINGS };
    return { emailErrorsNotifyAfter: row.emailErrorsNotifyAfter, emailErrorsDisableAfter: row.emailErrorsDisableAfter };
  }

  async update(patch: Partial<AccountSettingsView>): Promise<AccountSettingsView> {
    const next = { ...(await this.get()), ...patch };
    // Equal thresholds would disable at the first notice: the early warning would never be sent.
    if (next.emailErrorsDisableAfter <= next.emailErrorsNotifyAfter) throw orderError(patch, next);
    const row = { id: ROW_ID, ...next, updatedAt: new Date() };
    const updated = await this.db.manager.update(AccountSettingsEntity, { id: ROW_ID }, row);
    if (!updated.affected) {
      try {
        await this.db.manager.insert(AccountSettingsEntity, row);
      } catch (error) {
        if (!isUniqueViolation(error, ROW_KEY)) throw error;
        await this.db.manager.update(AccountSettingsEntity, { id: ROW_ID }, row);
      }
    }
    return next;
  }
}

/** Names the threshold the admin changed (the disable one when both were), with the bound the other one sets. */
function orderError(patch: Partial<AccountSettingsView>, next: AccountSettingsView): AppError {
  const why = 'so admins hear before an integration is disabled';
  if (patch.emailErrorsDisableAfter === undefined) {
    return new AppError('validation', `emailErrorsNotifyAfter: must be less than emailErrorsDisableAfter (${next.emailErrorsDisableAfter}), ${why}`);
  }
  return new AppError('validation', `emailErrorsDisableAfter: must be more than emailErrorsNotifyAfter (${next.emailErrorsNotifyAfter}), ${why}`);
}
