import type { FailureCheck, FailureLimits, FailureWindows } from './failure-windows.js';
import type { Redis } from './redis.js';

/**
 * KEYS[1] the address' count, KEYS[2] the total; ARGV: window ms, per-address limit, total limit, 1 to count a
 * failure. A count expires with its window (which starts at its first failure). Over the total, only addresses that
 * failed in their window wait. Returns {ms to wait, address' count}.
 */
const CHECK_SCRIPT = `
local function ttl_of(key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  return ttl
end
local mine = tonumber(redis.call('GET', KEYS[1]) or '0')
local total = tonumber(redis.call('GET', KEYS[2]) or '0')
local wait = 0
if mine >= tonumber(ARGV[2]) then wait = ttl_of(KEYS[1]) end
if total >= tonumber(ARGV[3]) and mine > 0 then wait = math.max(wait, ttl_of(KEYS[2])) end
if wait > 0 or ARGV[4] ~= '1' then return {wait, mine} end
for i = 1, 2 do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
end
return {0, mine + 1}
`;

type WithCheckCommand = Redis & {
  adminTokenFailures(addressKey: string, totalKey: string, windowMs: string, perAddress: string, total: string, fail: string): Promise<[number, number]>;
};

/** The windows in Redis, shared by every instance on it. Keys share one hash tag (one node of a cluster). */
export class RedisFailureWindows implements FailureWindows {
  private readonly redis: WithCheckCommand;

  constructor(
    redis: Redis,
    private readonly prefix = 'oncall:admin-token-failures:',
  ) {
    if (!('adminTokenFailures' in redis)) redis.defineCommand('adminTokenFailures', { numberOfKeys: 2, lua: CHECK_SCRIPT });
    this.redis = redis as WithCheckCommand;
  }

  async check(address: string, limits: FailureLimits, fail: boolean): Promise<FailureCheck> {
    const [retryInMs, failures] = await this.redis.adminTokenFailures(
      `${this.prefix}{all}:${address}`,
      `${this.prefix}{all}`,
      String(limits.windowMs),
      String(limits.perAddress),
      String(limits.total),
      fail ? '1' : '0',
    );
    return { retryInMs: Number(retryInMs), failures: Number(failures) };
  }
}
