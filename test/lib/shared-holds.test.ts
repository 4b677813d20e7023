/**
 * SharedHolds on the real Redis: a hold made by one instance is found by another (what is left of it, on Redis'
 * clock) beside the bucket of the same key; a shorter hold never cuts a longer one short; a hold is capped; a Redis
 * that stops answering costs a call the call timeout at most, and the instance that made a hold still honours it.
 */
import { Redis } from 'ioredis';
import { LocalHolds, MAX_HOLD_MS, waitOutHold, waitTurnPastHolds } from '../../src/lib/holds.js';
import { createLogger } from '../../src/lib/logger.js';
import { localPacing } from '../../src/lib/pacer.js';
import { SHARED_PACING_CALL_TIMEOUT_MS } from '../../src/lib/shared-pacer.js';
import { SharedPacing } from '../../src/lib/shared-pacing.js';
import { SharedTokenBucket } from '../../src/lib/shared-token-bucket.js';
import { REDIS_TEST_URL } from '../support/databases.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const PREFIX = `test-shared-holds-${process.pid}:`;
const SLACK_MS = 30;
const clients: Redis[] = [];
let counter = 0;
const freshName = () => `holds-${++counter}-${Date.now()}`;

async function connect(url = REDIS_TEST_URL): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, retryStrategy: () => 50 });
  redis.on('error', () => undefined);
  clients.push(redis);
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}

const pacingOn = (redis: Redis) => new SharedPacing(redis, createLogger('silent'), () => undefined, { keyPrefix: PREFIX });

afterAll(async () => {
  const keys = await clients[0]?.keys(`${PREFIX}*`);
  if (keys?.length) await clients[0].del(...keys);
  for (const client of clients) client.disconnect();
});

describe('SharedHolds', () => {
  it("one instance's hold is found by another, beside the key's bucket, and ends on time", async () => {
    const name = freshName();
    const [a, b] = [pacingOn(await connect()).holds(name), pacingOn(await connect()).holds(name)];
    expect(await b.find('chat-1')).toBeUndefined();
    expect(await a.hold('chat-1', 600, 'why')).toBe('shared');

    const found = await b.find('chat-1');
    expect(found).toEqual({ leftMs: expect.any(Number), note: 'why', where: 'shared' });
    expect(found!.leftMs).toBeGreaterThan(600 - SLACK_MS);
    expect(found!.leftMs).toBeLessThanOrEqual(600);
    expect(await b.find('chat-2')).toBeUndefined();
    const [bucketKey] = new SharedTokenBucket(clients[0], PREFIX).keysOf(`${name}:chat-1`);
    expect(await clients[0].pttl(`${bucketKey}:hold`)).toBeGreaterThan(0);

    const started = Date.now();
    expect(await waitOutHold(b, 'chat-1')).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600 - SLACK_MS * 2);
    expect(Date.now() - started).toBeLessThan(600 + 200);
    expect(await waitOutHold(b, 'chat-1')).toBe(false);
  });

  it('keeps the later of two holds, and caps a hold at MAX_HOLD_MS', async () => {
    const name = freshName();
    const [a, b] = [pacingOn(await connect()).holds(name), pacingOn(await connect()).holds(name)];
    await a.hold('chat-1', 5000);
    await b.hold('chat-1', 100);
    expect((await b.find('chat-1'))!.leftMs).toBeGreaterThan(4000);
    await b.hold('chat-2', 10 * MAX_HOLD_MS);
    expect((await a.find('chat-2'))!.leftMs).toBeLessThanOrEqual(MAX_HOLD_MS);
    const local = new LocalHolds();
    await local.hold('k', 10 * MAX_HOLD_MS);
    expect((await local.find('k'))!.leftMs).toBeLessThanOrEqual(MAX_HOLD_MS);
  });

  it('a call waiting for its pace waits out a hold made meanwhile by another instance, then paces again', async () => {
    const name = freshName();
    const [one, two] = [pacingOn(await connect()), pacingOn(await connect())];
    const pacer = one.pacer(name, 5, 1);
    await pacer.wait('chat-1');
    const started = Date.now();
    const paced = waitTurnPastHolds(one.holds(name), 'chat-1', async () => {
      await pacer.wait('chat-1');
    });
    // While the call waits for its turn (200 ms), the other instance gets a "slow down" for 500 ms.
    await two.holds(name).hold('chat-1', 500);
    await paced;
    expect(Date.now() - started).toBeGreaterThanOrEqual(500 - SLACK_MS);
  });

  it('a Redis that stops answering: a call waits the call timeout at most, then holds are this process\' own', async () => {
    const proxy = await startTcpProxy('127.0.0.1', Number(new URL(REDIS_TEST_URL).port || 6379));
    try {
      const url = new URL(REDIS_TEST_URL);
      url.port = String(proxy.port);
      const stalled = pacingOn(await connect(url.toString()));
      const other = pacingOn(await connect()).holds('stall');
      const holds = stalled.holds('stall');
      await other.hold('chat-1', 5000);
      proxy.stall();

      let asked = Date.now();
      expect(await holds.hold('chat-2', 400)).toBe('local');
      expect(Date.now() - asked).toBeLessThan(SHARED_PACING_CALL_TIMEOUT_MS + 200);
      expect(stalled.mode.current).toBe('local');
      // Its own hold still holds it; the other instance's hold it cannot know of.
      asked = Date.now();
      expect(await holds.find('chat-2')).toMatchObject({ where: 'local' });
      expect(await holds.find('chat-1')).toBeUndefined();
      expect(Date.now() - asked).toBeLessThan(100);
      expect(await other.find('chat-2')).toBeUndefined();
    } finally {
      proxy.restore();
      await proxy.close();
    }
  });

  it('are the process only without Redis', async () => {
    const holds = localPacing.holds('x');
    expect(await holds.hold('k', 200)).toBe('local');
    expect(await holds.find('k')).toMatchObject({ where: 'local' });
    expect(await localPacing.holds('x').find('k')).toBeUndefined();
  });
});
