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
    if (next.emailErrorsDisableAfter < next.emailErrorsNotifyAfter) {
      throw new AppError('validation', `emailErrorsDisableAfter: must be at least emailErrorsNotifyAfter (${next.emailErrorsNotifyAfter}), so admins hear before an integration is disabled`);
    }
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
