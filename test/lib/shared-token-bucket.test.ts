/**
 * The token bucket's Lua script against the real Redis: a fresh bucket lets its burst through, then one call per
 * interval; refill follows Redis' clock (not the caller's); callers on different connections share one bucket exactly;
 * a more urgent caller waiting on another instance is let through first; both keys expire once the bucket is full again.
 */
import { Redis } from 'ioredis';
import { REDIS_TEST_URL } from '../support/databases.js';
import { SharedTokenBucket, type BucketLimit, type TakeAnswer } from '../../src/lib/shared-token-bucket.js';

const PREFIX = `test-pace-${process.pid}:`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let first: Redis;
let second: Redis;
let counter = 0;
const freshKey = () => `bucket-${++counter}-${Date.now()}`;
const take = (bucket: SharedTokenBucket, key: string, limit: BucketLimit, priority = 0, waiter = 'a', moreWaiting = false): Promise<TakeAnswer> =>
  bucket.take(key, limit, { priority, waiter, moreWaiting });

beforeAll(() => {
  first = new Redis(REDIS_TEST_URL);
  second = new Redis(REDIS_TEST_URL);
});

afterAll(async () => {
  const keys = await first.keys(`${PREFIX}*`);
  if (keys.length) await first.del(...keys);
  first.disconnect();
  second.disconnect();
});

describe('SharedTokenBucket (Lua on Redis)', () => {
  it('lets a burst through at once, then refuses with the time until the next token', async () => {
    const bucket = new SharedTokenBucket(first, PREFIX);
    const key = freshKey();
    const limit = { perSecond: 10, burst: 3 };
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await take(bucket, key, limit));
    expect(answers.slice(0, 3)).toEqual([{ granted: true }, { granted: true }, { granted: true }]);
    const refused = answers[3];
    expect(refused.granted).toBe(false);
    // One token at 10/s comes 100 ms after the burst was taken (less, by the ms that went by since).
    expect(refused.granted === false && refused.retryInMs).toBeGreaterThan(0);
    expect(refused.granted === false && refused.retryInMs).toBeLessThanOrEqual(100);
  });

  it('refills at the rate: a refused caller that waits the time it was told gets the next token', async () => {
    const bucket = new SharedTokenBucket(first, PREFIX);
    const key = freshKey();
    const limit = { perSecond: 20, burst: 1 };
    expect(await take(bucket, key, limit)).toEqual({ granted: true });
    const refused = await take(bucket, key, limit);
    expect(refused.granted).toBe(false);
    await sleep(refused.granted ? 0 : refused.retryInMs + 2);
    expect(await take(bucket, key, limit)).toEqual({ granted: true });
    expect((await take(bucket, key, limit)).granted).toBe(false);
    // A long quiet spell fills the bucket to its size, never beyond.
    const roomy = { perSecond: 50, burst: 2 };
    const other = freshKey();
    await take(bucket, other, roomy);
    await take(bucket, other, roomy);
    await sleep(200); // 10 tokens' worth of time
    const granted = [];
    for (let i = 0; i < 4; i++) granted.push((await take(bucket, other, roomy)).granted);
    expect(granted).toEqual([true, true, false, false]);
  });

  it('shares one bucket exactly between concurrent callers on different connections', async () => {
    const buckets = [new SharedTokenBucket(first, PREFIX), new SharedTokenBucket(second, PREFIX)];
    const key = freshKey();
    const limit = { perSecond: 1, burst: 5 };
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => take(buckets[i % 2], key, limit, 0, `w${i % 2}`)));
    expect(answers.filter((answer) => answer.granted)).toHaveLength(5);

    // Over a second of callers hammering from both connections: at most burst + rate × time go through.
    const steady = { perSecond: 20, burst: 2 };
    const busy = freshKey();
    const startedAt = Date.now();
    let grants = 0;
    await Promise.all(
      buckets.map(async (bucket, index) => {
        while (Date.now() - startedAt < 1000) {
          const answer = await take(bucket, busy, steady, 0, `w${index}`);
          if (answer.granted) grants += 1;
          else await sleep(Math.min(answer.retryInMs, 5));
        }
      }),
    );
    const elapsed = (Date.now() - startedAt) / 1000;
    expect(grants).toBeLessThanOrEqual(steady.burst + Math.ceil(steady.perSecond * elapsed));
    // And the bucket is used, not starved (a loaded machine may ask less often than the rate allows).
    expect(grants).toBeGreaterThanOrEqual(steady.perSecond / 2);
  });

  it('lets a more urgent caller waiting on another instance go first, and forgets a waiter that stops asking', async () => {
    const bucket = new SharedTokenBucket(first, PREFIX);
    const elsewhere = new SharedTokenBucket(second, PREFIX);
    const key = freshKey();
    const limit = { perSecond: 10, burst: 1 };
    expect(await take(bucket, key, limit, 2, 'a')).toEqual({ granted: true });
    // Instance b has a page waiting (refused: no token yet) …
    const page = await take(elsewhere, key, limit, 0, 'b');
    expect(page.granted).toBe(false);
    await sleep(page.granted ? 0 : page.retryInMs + 5);
    // … so once the token is there, instance a's card update is refused and the page gets it.
    const update = await take(bucket, key, limit, 2, 'a');
    expect(update.granted).toBe(false);
    expect(update.granted === false && update.retryInMs).toBeGreaterThanOrEqual(100);
    expect(await take(elsewhere, key, limit, 0, 'b')).toEqual({ granted: true });
    await sleep(110);
    expect(await take(bucket, key, limit, 2, 'a')).toEqual({ granted: true });

    // A waiter that never comes back (its instance died) blocks nobody once its time plus a grace second has passed.
    const orphan = freshKey();
    await take(bucket, orphan, limit, 2, 'a');
    expect((await take(elsewhere, orphan, limit, 0, 'dead')).granted).toBe(false);
    await sleep(150);
    expect((await take(bucket, orphan, limit, 2, 'a')).granted).toBe(false);
    await sleep(1100);
    expect(await take(bucket, orphan, limit, 2, 'a')).toEqual({ granted: true });
  });

  it('keeps the keys only until the bucket would be full again', async () => {
    const bucket = new SharedTokenBucket(first, PREFIX);
    const key = freshKey();
    const limit = { perSecond: 100, burst: 2 };
    const [bucketKey, waitersKey] = bucket.keysOf(key);
    await take(bucket, key, limit);
    await take(bucket, key, limit);
    await take(bucket, key, limit, 1, 'a');
    const bucketTtl = await first.pttl(bucketKey);
    const waitersTtl = await first.pttl(waitersKey);
    // Two tokens at 100/s: 20 ms to fill, plus the grace second (less what went by since: little, or a loaded machine).
    expect(bucketTtl).toBeGreaterThan(500);
    expect(bucketTtl).toBeLessThanOrEqual(1020);
    expect(waitersTtl).toBeGreaterThan(500);
    expect(waitersTtl).toBeLessThanOrEqual(1010);
    await sleep(1100);
    expect(await first.exists(bucketKey, waitersKey)).toBe(0);
    // A missing bucket is a full one.
    expect([await take(bucket, key, limit), await take(bucket, key, limit)]).toEqual([{ granted: true }, { granted: true }]);
  });

  it('takes any key as it is: braces, newlines, spaces, 10,000 characters stay one bucket under the prefix', async () => {
    const bucket = new SharedTokenBucket(first, PREFIX);
    const hostile = `{oc_1}}\n* ${'{x'.repeat(5000)} ${Date.now()}`;
    const limit = { perSecond: 1, burst: 1 };
    expect(await take(bucket, hostile, limit)).toEqual({ granted: true });
    expect((await take(bucket, hostile, limit)).granted).toBe(false);
    // A key that differs only after its first brace pair is still its own bucket.
    expect(await take(bucket, hostile.replace('x', 'y'), limit)).toEqual({ granted: true });
    const [bucketKey] = bucket.keysOf(hostile);
    expect(bucketKey.startsWith(PREFIX)).toBe(true);
    expect(await first.exists(bucketKey)).toBe(1);
  });

  it("counts time on Redis' clock, whatever the instance's clock says", async () => {
    const bucket = new SharedTokenBucket(first, PREFIX);
    const key = freshKey();
    const limit = { perSecond: 10, burst: 1 };
    const realNow = Date.now;
    // An instance whose clock is a day ahead must not find the bucket refilled.
    Date.now = () => realNow() + 24 * 3600 * 1000;
    try {
      expect(await take(bucket, key, limit)).toEqual({ granted: true });
      expect((await take(bucket, key, limit)).granted).toBe(false);
    } finally {
      Date.now = realNow;
    }
    const [seconds, micros] = await first.time();
    const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const at = Number(await first.hget(bucket.keysOf(key)[0], 'at'));
    expect(Math.abs(redisNow - at)).toBeLessThan(1000);
  });
});
