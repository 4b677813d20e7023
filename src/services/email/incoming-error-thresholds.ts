import type { Integration } from '../../db/entities/integration.entity.js';
import type { Logger } from '../../lib/logger.js';
import type { AccountSettingsService } from '../catalog/account-settings.service.js';
import type { IntegrationHealthService } from '../catalog/integration-health.service.js';
import type { IntegrationService } from '../catalog/integration.service.js';
import type { AdminNotifier } from './admin-notifier.js';

/**
 * What repeated incoming errors lead to (account settings): at N consecutive errors the admins are told, at M the
 * integration is disabled until an admin enables it again (and the admins are told that too).
 */
export class IncomingErrorThresholds {
  constructor(
    private readonly health: IntegrationHealthService,
    private readonly integrations: IntegrationService,
    private readonly settings: AccountSettingsService,
    private readonly admins: AdminNotifier,
    private readonly logger: Logger,
  ) {}

  /** Records a failed check; false when the integration is now disabled (its poller stops). */
  async checkFailed(integration: Integration, message: string): Promise<boolean> {
    const errors = await this.health.checkFailed(integration.id, message);
    const { emailErrorsNotifyAfter, emailErrorsDisableAfter } = await this.settings.get();
    const notice = { integrationName: integration.name, integrationId: integration.id, consecutiveErrors: errors, lastError: message };
    if (errors >= emailErrorsDisableAfter) {
      // Only the call that actually disables it tells the admins (several instances may count the same mailbox).
      if (await this.integrations.disableAutomatically(integration.id)) {
        await this.health.disabledAutomatically(integration.id);
        this.logger.warn({ integrationId: integration.id, errors }, 'email integration disabled after consecutive incoming errors');
        await this.admins.integrationTrouble({ ...notice, disabled: true });
      }
      return false;
    }
    if (errors === emailErrorsNotifyAfter) await this.admins.integrationTrouble({ ...notice, disabled: false });
    return true;
  }
}
