import type { AppConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { startService } from '../../src/app/start-service.js';
import { DATABASE_KINDS, dropDatabase, freshDatabase, REDIS_TEST_URL } from '../support/databases.js';
import { startTestService, testServiceConfig, type TestService } from '../support/test-service.js';

async function get(service: TestService, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${service.url}${path}`, { headers });
  return { status: response.status, body: await response.json() };
}

describe.each(DATABASE_KINDS)('health endpoints on %s', (kind) => {
  describe('without Redis', () => {
    let service: TestService;
    beforeAll(async () => {
      service = await startTestService(kind, 'health_plain');
    });
    afterAll(async () => {
      await service.stop();
    });

    it('/healthz answers 200 without a token', async () => {
      expect(await get(service, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    });

    it('/readyz answers 200 with the database checked, and no Redis check', async () => {
      expect(await get(service, '/readyz')).toEqual({ status: 200, body: { status: 'ready', checks: { database: 'ok' } } });
    });

    it('health endpoints ignore a wrong admin token', async () => {
      expect((await get(service, '/readyz', { authorization: 'Bearer wrong' })).status).toBe(200);
    });
  });

  describe('with REDIS_URL', () => {
    let service: TestService;
    beforeAll(async () => {
      service = await startTestService(kind, 'health_redis', { redisUrl: REDIS_TEST_URL });
    });
    afterAll(async () => {
      await service.stop();
    });

    it('/readyz checks Redis too', async () => {
      expect(await get(service, '/readyz')).toEqual({ status: 200, body: { status: 'ready', checks: { database: 'ok', redis: 'ok' } } });
      expect(service.redis).toBeDefined();
      expect(await service.redis!.ping()).toBe('PONG');
    });

    it('/healthz still answers 200', async () => {
      expect((await get(service, '/healthz')).status).toBe(200);
    });
  });

  describe('with an unreachable REDIS_URL', () => {
    it('startService starts at once without Redis, says why in the log, /readyz names Redis; stopped, it holds nothing', async () => {
      const database = await freshDatabase(kind, 'health_bad_redis');
      const config: AppConfig = testServiceConfig(database, { redisUrl: 'redis://127.0.0.1:1' });
      let logged = '';
      const logger = createLogger('warn', { write: (line: string) => void (logged += line) });
      try {
        const started = Date.now();
        const running = await startService(config, logger);
        try {
          expect(Date.now() - started).toBeLessThan(5_000);
          const notReady = await fetch(`${running.url}/readyz`);
          expect(notReady.status).toBe(503);
          expect(await notReady.json()).toEqual({ status: 'not ready', checks: { database: 'ok', redis: expect.stringMatching(/^unavailable: Redis not connected/) } });
          const warning = logged.split('\n').filter(Boolean).map((line) => JSON.parse(line)).find((line) => /Redis does not answer/.test(line.msg));
          expect(warning).toMatchObject({ level: 40, err: expect.stringMatching(/ECONNREFUSED/) });
          expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
        } finally {
          await running.stop();
        }

        // Nothing was left holding the database: the same config with a working Redis starts and stops cleanly.
        const again = await startService({ ...config, redisUrl: REDIS_TEST_URL }, createLogger('silent'));
        const ready = await fetch(`${again.url}/readyz`);
        expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
        await again.stop();
      } finally {
        await dropDatabase(database);
      }
    });
  });
});
