/**
 * `npm test`'s prelude (test/support/test-services.mjs, the pretest script) run as npm runs it: a service that is
 * missing stops the run at once with one line naming it and how to get it; Redis installed but not running is
 * started (on the port the URL names, here a spare one) and then answers.
 */
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { MARIADB_ROOT_URL, REDIS_TEST_URL } from '../support/databases.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(ROOT, 'test/support/test-services.mjs');
const run = promisify(execFile);

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

/** Runs the prelude with the given environment; its exit code, stderr and how long it took. */
async function prelude(env: Record<string, string>): Promise<{ code: number; stderr: string; ms: number }> {
  const began = Date.now();
  try {
    const { stderr } = await run(process.execPath, [SCRIPT], { cwd: ROOT, env: { TEST_MARIADB_URL: MARIADB_ROOT_URL, TEST_REDIS_URL: REDIS_TEST_URL, ...env }, timeout: 30_000 });
    return { code: 0, stderr, ms: Date.now() - began };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr, ms: Date.now() - began };
  }
}

describe('npm test prelude', () => {
  it('with MariaDB and Redis up (as in CI) it passes, saying nothing', async () => {
    expect(await prelude({ PATH: process.env.PATH ?? '' })).toEqual({ code: 0, stderr: '', ms: expect.any(Number) });
  });

  it('Redis not running and not installed: one line naming it and how to get it, at once', async () => {
    const port = await freePort();
    const result = await prelude({ PATH: '/nonexistent', TEST_REDIS_URL: `redis://127.0.0.1:${port}/15` });
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `npm test cannot run: Redis is not running on 127.0.0.1:${port} and not installed: apt-get install redis-server (macOS: brew install redis), or set TEST_REDIS_URL`,
    ]);
    expect(result.ms).toBeLessThan(10_000);
  });

  it('both missing: still one line, naming both', async () => {
    const [mariadbPort, redisPort] = [await freePort(), await freePort()];
    const result = await prelude({ PATH: '/nonexistent', TEST_MARIADB_URL: `mysql://root@127.0.0.1:${mariadbPort}`, TEST_REDIS_URL: `redis://127.0.0.1:${redisPort}/15` });
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^npm test cannot run: MariaDB does not answer on 127\\.0\\.0\\.1:${mariadbPort} .*TEST_MARIADB_URL; Redis is not running on 127\\.0\\.0\\.1:${redisPort} and not installed`));
  });

  it('Redis installed but not running: started the way .ci/run starts it, then it answers', async () => {
    const port = await freePort();
    const result = await prelude({ PATH: process.env.PATH ?? '', TEST_REDIS_URL: `redis://127.0.0.1:${port}/15` });
    const redis = new Redis(`redis://127.0.0.1:${port}/15`, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      expect(result).toMatchObject({ code: 0, stderr: expect.stringMatching(new RegExp(`^Redis was not running on 127\\.0\\.0\\.1:${port}: started \\S*redis-server\\n$`)) });
      await redis.connect();
      expect(await redis.ping()).toBe('PONG');
    } finally {
      // The server this test started, stopped by its port.
      await redis.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      redis.disconnect();
    }
  }, 30_000);
});
