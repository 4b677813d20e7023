import type Router from '@koa/router';
import { z } from 'zod';
import type { AccountSettingsService } from '../../services/catalog/account-settings.service.js';
import { jsonBody } from '../json-body.js';

const threshold = z.number().int().min(1).max(1000);

export const accountSettingsPatchSchema = z
  .object({
    emailErrorsNotifyAfter: threshold.describe('Consecutive incoming errors of an email integration after which the admins are told (default 3)'),
    emailErrorsDisableAfter: threshold.describe('Consecutive incoming errors after which the integration is disabled until an admin enables it; more than emailErrorsNotifyAfter (default 10)'),
  })
  .partial()
  .strict();

/** GET/PATCH /settings: account-level settings (the email error thresholds). */
export function registerAccountSettings(router: Router, settings: AccountSettingsService): void {
  router.get('/settings', async (ctx) => {
    ctx.body = await settings.get();
  });
  router.patch('/settings', async (ctx) => {
    ctx.body = await settings.update(await jsonBody(ctx, accountSettingsPatchSchema));
  });
}
