import { DATABASE_KINDS } from '../support/databases.js';
import { expectError } from '../support/admin-helpers.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe.each(DATABASE_KINDS)('admin API account settings on %s', (kind) => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService(kind, 'admin_settings');
  });
  afterAll(async () => {
    await service.stop();
  });

  const settings = async () => (await service.api('GET', '/settings')).body;

  it('refuses equal thresholds (the notice would never come before the disabling), naming the field that was changed', async () => {
    expect(await settings()).toEqual({ emailErrorsNotifyAfter: 3, emailErrorsDisableAfter: 10 });

    expectError(await service.api('PATCH', '/settings', { emailErrorsNotifyAfter: 10 }), 400, 'validation',
      /^emailErrorsNotifyAfter: must be less than emailErrorsDisableAfter \(10\), so admins hear before an integration is disabled$/);
    expectError(await service.api('PATCH', '/settings', { emailErrorsDisableAfter: 3 }), 400, 'validation',
      /^emailErrorsDisableAfter: must be more than emailErrorsNotifyAfter \(3\)/);
    expectError(await service.api('PATCH', '/settings', { emailErrorsNotifyAfter: 7, emailErrorsDisableAfter: 7 }), 400, 'validation',
      /^emailErrorsDisableAfter: must be more than emailErrorsNotifyAfter \(7\)/);
    expect(await settings()).toEqual({ emailErrorsNotifyAfter: 3, emailErrorsDisableAfter: 10 });

    expect((await service.api('PATCH', '/settings', { emailErrorsNotifyAfter: 9 })).body).toEqual({ emailErrorsNotifyAfter: 9, emailErrorsDisableAfter: 10 });
    expect((await service.api('PATCH', '/settings', { emailErrorsNotifyAfter: 1, emailErrorsDisableAfter: 2 })).status).toBe(200);
    expect(await settings()).toEqual({ emailErrorsNotifyAfter: 1, emailErrorsDisableAfter: 2 });
  });

  it('keeps each threshold within 1..1000', async () => {
    for (const body of [{ emailErrorsNotifyAfter: 0 }, { emailErrorsDisableAfter: 1001 }, { emailErrorsNotifyAfter: 2.5 }, { emailErrorsDisableAfter: '20' }]) {
      const field = Object.keys(body)[0];
      expectError(await service.api('PATCH', '/settings', body), 400, 'validation', new RegExp(`^${field}: `));
    }
    expect(await settings()).toEqual({ emailErrorsNotifyAfter: 1, emailErrorsDisableAfter: 2 });
  });
});
