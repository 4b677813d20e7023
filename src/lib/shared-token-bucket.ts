import type { Redis } from './redis.js';

/**
 * One atomic step of a token bucket kept in Redis, shared by every instance that names the same key.
 *
 * KEYS[1] the bucket (hash: tokens, at), KEYS[2] who waits for it (sorted set: `<priority>:<waiter>` → until when).
 * ARGV: tokens per ms, capacity, the caller's priority (lower goes first), its waiter name, 1 when more of its calls
 * of that priority wait behind this one.
 *
 * The clock is Redis' own (TIME), so instances whose clocks disagree still share one rate. A caller is refused while
 * a caller of a more urgent priority (on any instance) waits for the same bucket: pages overtake card updates across
 * instances as they do within one. A refused caller is registered as waiting until a little after it was told to try
 * again; an instance that dies stops being waited for once that passes. Both keys expire once the bucket would be
 * full again (a missing bucket is a full one), so idle chats cost nothing.
 *
 * Returns {1, 0} when a token was taken, {0, ms} when the caller should try again in `ms`.
 */
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local priority = tonumber(ARGV[3])
local member = ARGV[3] .. ':' .. ARGV[4]
local keep = ARGV[5] == '1'
local interval = math.ceil(1 / rate)
local grace = 1000

local function wait_until(untilMs)
  redis.call('ZADD', KEYS[2], untilMs, member)
  if redis.call('PTTL', KEYS[2]) < untilMs - now then redis.call('PEXPIRE', KEYS[2], untilMs - now) end
end

local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * rate)
  at = now
end

redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local blocked = false
for _, other in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local p = tonumber(string.match(other, '^(%d+):'))
  if p ~= nil and p < priority then
    blocked = true
    break
  end
end

if tokens >= 1 and not blocked then
  tokens = tokens - 1
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', at)
  redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + grace)
  if keep then wait_until(now + interval + grace) else redis.call('ZREM', KEYS[2], member) end
  return {1, 0}
end

local wait = 0
if tokens < 1 then wait = math.ceil((1 - tokens) / rate) end
if blocked then wait = wait + interval end
wait_until(now + wait + grace)
return {0, wait}
`;

export interface BucketLimit {
  perSecond: number;
  /** Calls a bucket that was left alone may take at once (its capacity). */
  burst: number;
}

export interface TakeRequest {
  priority: number;
  /** Who asks (one name per instance): its waiting registration is its own. */
  waiter: string;
  /** More calls of this priority wait behind this one on this instance: stay registered as waiting. */
  moreWaiting: boolean;
}

export type TakeAnswer = { granted: true } | { granted: false; retryInMs: number };

type WithTakeCommand = Redis & {
  paceTake(bucketKey: string, waitersKey: string, ratePerMs: string, capacity: string, priority: string, waiter: string, keep: string): Promise<[number, number]>;
};

/** The token buckets under `prefix` in Redis: one per key, taken from by any number of instances. */
export class SharedTokenBucket {
  private readonly redis: WithTakeCommand;

  constructor(
    redis: Redis,
    private readonly prefix = 'pace:',
  ) {
    // ioredis sends the script by its hash (EVALSHA) and loads it again when Redis lost it (a restart).
    if (!('paceTake' in redis)) redis.defineCommand('paceTake', { numberOfKeys: 2, lua: TAKE_SCRIPT });
    this.redis = redis as WithTakeCommand;
  }

  /** The Redis keys of a bucket: one hash tag, so both land on one node of a cluster. */
  keysOf(key: string): [bucket: string, waiters: string] {
    const tagged = `${this.prefix}{${key}}`;
    return [tagged, `${tagged}:waiting`];
  }

  async take(key: string, limit: BucketLimit, request: TakeRequest): Promise<TakeAnswer> {
    const [bucket, waiters] = this.keysOf(key);
    const [granted, retryInMs] = await this.redis.paceTake(
      bucket,
      waiters,
      String(limit.perSecond / 1000),
      String(Math.max(1, limit.burst)),
      String(Math.max(0, Math.floor(request.priority))),
      request.waiter,
      request.moreWaiting ? '1' : '0',
    );
    return granted === 1 ? { granted: true } : { granted: false, retryInMs: Math.max(1, retryInMs) };
  }
}
