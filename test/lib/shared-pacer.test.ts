/**
 * SharedPacer on the real Redis: two instances (two Pacings on their own connections) pacing one key together keep
 * the one rate between them; a page waiting on one instance overtakes card updates queued on the other; a Redis cut
 * mid-burst hands the waiting calls to the process' pacer (none lost, none failed), logged and counted once, and
 * pacing is shared again once Redis answers; a Redis that stops answering holds a call for the call timeout at most.
 */
import { Redis } from 'ioredis';
import { createLogger } from '../../src/lib/logger.js';
import { localPacing, type KeyedPacer } from '../../src/lib/pacer.js';
import type { PacingModeName } from '../../src/lib/pacing-mode.js';
import { SHARED_PACING_CALL_TIMEOUT_MS } from '../../src/lib/shared-pacer.js';
import { SharedPacing, createPacing } from '../../src/lib/shared-pacing.js';
import { CapturedLog } from '../support/captured-log.js';
import { REDIS_TEST_URL } from '../support/databases.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { mostWithin } from '../support/rate-window.js';

const PREFIX = `test-shared-pacer-${process.pid}:`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Timers and round trips on a busy machine. */
const SLACK_MS = 15;

const clients: Redis[] = [];
let counter = 0;
const freshName = () => `name-${++counter}-${Date.now()}`;

function connect(url = REDIS_TEST_URL): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, retryStrategy: () => 50 });
  redis.on('error', () => undefined); // the cut test's outage: expected
  clients.push(redis);
  return redis;
}

async function ready(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
}

async function instance(redis: Redis, log = new CapturedLog()) {
  await ready(redis);
  const switches: PacingModeName[] = [];
  const pacing = new SharedPacing(redis, createLogger('info', log), (mode) => switches.push(mode), { keyPrefix: PREFIX });
  return { pacing, switches, log };
}

afterAll(async () => {
  const keys = await clients[0]?.keys(`${PREFIX}*`);
  if (keys?.length) await clients[0].del(...keys);
  for (const client of clients) client.disconnect();
});

describe('SharedPacer', () => {
  it('keeps one rate for the calls of two instances to one key', async () => {
    const [a, b] = await Promise.all([instance(connect()), instance(connect())]);
    const name = freshName();
    const pacers = [a.pacing.pacer(name, 10, 2), b.pacing.pacer(name, 10, 2)];
    const released: number[] = [];
    const startedAt = Date.now();
    await Promise.all(Array.from({ length: 16 }, (_, i) => pacers[i % 2].wait('chat-1').then(() => released.push(Date.now()))));
    // 2 at once, then 14 at 10/s: 1.4 s in all (each instance alone would have let its 8 go in 0.6 s).
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1400 - SLACK_MS);
    expect(mostWithin(released, 1000 - SLACK_MS)).toBeLessThanOrEqual(2 + 10);
    expect(a.switches).toEqual([]);
    expect(b.switches).toEqual([]);
  });

  it('lets a page waiting on one instance go before the card updates queued on the other', async () => {
    const [a, b] = await Promise.all([instance(connect()), instance(connect())]);
    const name = freshName();
    const [updates, pages] = [a.pacing.pacer(name, 10, 1), b.pacing.pacer(name, 10, 1)];
    const order: string[] = [];
    const queued = Array.from({ length: 8 }, (_, i) => updates.wait('chat-1', 2).then(() => order.push(`update ${i}`)));
    await sleep(120);
    await pages.wait('chat-1', 0).then(() => order.push('page'));
    await Promise.all(queued);
    // The page waits at most for the token being taken now and the next one.
    expect(order.indexOf('page')).toBeLessThanOrEqual(4);
    expect(order.filter((entry) => entry.startsWith('update'))).toEqual(Array.from({ length: 8 }, (_, i) => `update ${i}`));
  });

  it('serves the most urgent call of its own instance first as well', async () => {
    const { pacing } = await instance(connect());
    const pacer = pacing.pacer(freshName(), 20, 1);
    const order: string[] = [];
    const calls = [pacer.wait('k', 2).then(() => order.push('update 1')), pacer.wait('k', 2).then(() => order.push('update 2'))];
    calls.push(pacer.wait('k', 1).then(() => order.push('new card')), pacer.wait('k', 0).then(() => order.push('page')));
    await Promise.all(calls);
    expect(order).toEqual(['update 1', 'page', 'new card', 'update 2']);
  });

  describe('Redis cut mid-burst', () => {
    let proxy: TcpProxy;
    beforeEach(async () => {
      proxy = await startTcpProxy('127.0.0.1', Number(new URL(REDIS_TEST_URL).port || 6379));
    });
    afterEach(async () => {
      await proxy.close();
    });

    it('hands the waiting calls to the process, then shares again once Redis answers; each switch logged once', async () => {
      const url = new URL(REDIS_TEST_URL);
      url.port = String(proxy.port);
      const redis = connect(url.toString());
      await ready(redis);
      const { pacing, switches, log } = await instance(redis);
      const pacer: KeyedPacer = pacing.pacer(freshName(), 20, 1);
      const released: string[] = [];
      const burst = Array.from({ length: 20 }, (_, i) => pacer.wait('chat-1', i === 19 ? 0 : 2).then(() => released.push(`call ${i}`)));
      await sleep(200);
      proxy.cut();
      // A page while Redis is away goes at the process' pace, not after Redis (at most the call timeout, while the
      // client has not noticed yet).
      const startedAt = Date.now();
      await pacer.wait('chat-2', 0);
      expect(Date.now() - startedAt).toBeLessThan(SHARED_PACING_CALL_TIMEOUT_MS + 350);
      await Promise.all(burst);
      expect(released).toHaveLength(20);
      expect(pacing.mode.current).toBe('local');
      expect(switches).toEqual(['local']);

      proxy.restore();
      await ready(redis);
      await sleep(1000); // past the wait before Redis is tried again
      await pacer.wait('chat-1', 2);
      await pacer.wait('chat-1', 2);
      expect(pacing.mode.current).toBe('shared');
      expect(switches).toEqual(['local', 'shared']);
      expect(log.entries(/each instance paces its own calls/)).toHaveLength(1);
      expect(log.entries(/paced on Redis again/)).toHaveLength(1);
    });
  });

  describe('Redis down at start', () => {
    let proxy: TcpProxy;
    beforeEach(async () => {
      proxy = await startTcpProxy('127.0.0.1', Number(new URL(REDIS_TEST_URL).port || 6379));
    });
    afterEach(async () => {
      await proxy.close();
    });

    it('paces in the process from the start, then shares once Redis answers (one switch, logged once)', async () => {
      proxy.cut();
      const url = new URL(REDIS_TEST_URL);
      url.port = String(proxy.port);
      const redis = connect(url.toString());
      const log = new CapturedLog();
      const switches: PacingModeName[] = [];
      const pacing = new SharedPacing(redis, createLogger('info', log), (mode) => switches.push(mode), { keyPrefix: PREFIX });
      expect(pacing.mode.current).toBe('local');
      const pacer = pacing.pacer(freshName(), 20, 1);
      const startedAt = Date.now();
      await Promise.all([pacer.wait('chat-1', 0), pacer.wait('chat-1', 2), pacer.wait('chat-1', 2)]);
      // Three calls at 20/s in the process: two intervals, no waiting for Redis.
      expect(Date.now() - startedAt).toBeLessThan(100 + 200);
      expect(switches).toEqual([]);

      proxy.restore();
      await ready(redis);
      await sleep(1000);
      await pacer.wait('chat-1', 2);
      expect(pacing.mode.current).toBe('shared');
      expect(switches).toEqual(['shared']);
      expect(log.entries(/paced on Redis again/)).toHaveLength(1);
      expect(log.entries(/each instance paces its own calls/)).toHaveLength(0);
    });
  });

  describe('Redis that stops answering', () => {
    let proxy: TcpProxy;
    beforeEach(async () => {
      proxy = await startTcpProxy('127.0.0.1', Number(new URL(REDIS_TEST_URL).port || 6379));
    });
    afterEach(async () => {
      await proxy.close();
    });

    it('waits at most the call timeout for it, then paces in the process; asks it again a second later', async () => {
      const url = new URL(REDIS_TEST_URL);
      url.port = String(proxy.port);
      const redis = connect(url.toString());
      await ready(redis);
      const { pacing, switches } = await instance(redis);
      const pacer = pacing.pacer(freshName(), 20, 1);
      await pacer.wait('chat-1', 0);
      expect(pacing.mode.current).toBe('shared');

      proxy.stall();
      const asked = Date.now();
      await pacer.wait('chat-2', 0);
      const firstWait = Date.now() - asked;
      expect(firstWait).toBeGreaterThanOrEqual(SHARED_PACING_CALL_TIMEOUT_MS - SLACK_MS);
      expect(firstWait).toBeLessThan(SHARED_PACING_CALL_TIMEOUT_MS + 350);
      expect(switches).toEqual(['local']);
      // The connection still looks fine, but nobody waits for it again within the next second.
      expect(redis.status).toBe('ready');
      const next = Date.now();
      await pacer.wait('chat-3', 0);
      expect(Date.now() - next).toBeLessThan(100);

      proxy.restore();
      await sleep(1000);
      await pacer.wait('chat-4', 0);
      expect(pacing.mode.current).toBe('shared');
      expect(switches).toEqual(['local', 'shared']);
    });
  });

  it('is the process pacer when no Redis is configured', () => {
    const modes: string[] = [];
    expect(createPacing(undefined, createLogger('silent'), { pacingMode: (mode) => void modes.push(mode) })).toBe(localPacing);
    expect(modes).toEqual(['local']);
  });
});
