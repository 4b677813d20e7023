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
    it('startService fails fast instead of hanging, and can be retried once Redis is right', async () => {
      const database = await freshDatabase(kind, 'health_bad_redis');
      const config: AppConfig = testServiceConfig(database, { redisUrl: 'redis://127.0.0.1:1' });
      const logger = createLogger('silent');
      try {
        const started = Date.now();
        let timer: NodeJS.Timeout | undefined;
        const hung = new Promise<'hung'>((resolve) => {
          timer = setTimeout(() => resolve('hung'), 10_000);
        });
        const outcome = await Promise.race([
          startService(config, logger).then(
            async (running) => {
              await running.stop();
              return 'started' as const;
            },
            (error: Error) => error,
          ),
          hung,
        ]);
        clearTimeout(timer);
        expect(outcome).toBeInstanceOf(Error);
        expect((outcome as Error).message).toMatch(/redis/i);
        expect((outcome as Error).message).toMatch(/ECONNREFUSED/);
        expect(Date.now() - started).toBeLessThan(5_000);

        // Nothing was left holding the database: the same config with a working Redis starts and stops cleanly.
        const running = await startService({ ...config, redisUrl: REDIS_TEST_URL }, logger);
        const ready = await fetch(`${running.url}/readyz`);
        expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
        await running.stop();
      } finally {
        await dropDatabase(database);
      }
    });
  });
});
