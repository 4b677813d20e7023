/**
 * Several instances (REDIS_URL set) with no DETAILS_LINK_KEY would each sign Details links with the key generated in
 * their own data dir: the cards of one incident would differ by instance and links would open on one instance only.
 * The service says so at start, and says nothing when the key is set or no Redis is configured.
 */
import { CapturedLog } from '../support/captured-log.js';
import { REDIS_TEST_URL } from '../support/databases.js';
import { startTestService } from '../support/test-service.js';
import type { AppConfig } from '../../src/config/config.js';

const WARNING = /DETAILS_LINK_KEY is not set while REDIS_URL is/;

async function warningsAtStart(label: string, overrides: Partial<AppConfig>): Promise<Array<Record<string, unknown>>> {
  const log = new CapturedLog();
  const service = await startTestService('sqlite', label, { logLevel: 'warn', ...overrides }, log);
  await service.stop();
  return log.entries(WARNING);
}

describe('DETAILS_LINK_KEY with several instances', () => {
  it('warns at start when Redis is configured and no key is set', async () => {
    const warnings = await warningsAtStart('link_key_warn', { redisUrl: REDIS_TEST_URL });
    expect(warnings).toHaveLength(1);
    expect(warnings[0].level).toBe(40);
    expect(JSON.stringify(warnings[0])).not.toMatch(/"key"/);
  }, 30_000);

  it('is quiet when the key is set', async () => {
    const key = 'shared-details-link-key-0123456789abcdef';
    const warnings = await warningsAtStart('link_key_set', { redisUrl: REDIS_TEST_URL, detailsLinks: { key, ttlAfterCloseMs: 86_400_000 } });
    expect(warnings).toEqual([]);
  }, 30_000);

  it('is quiet for a single instance without Redis', async () => {
    expect(await warningsAtStart('link_key_single', {})).toEqual([]);
  }, 30_000);
});
