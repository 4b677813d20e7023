import { LocalHolds, MAX_HOLD_MS, type FoundHold, type KeyedHolds } from './holds.js';
import type { PacingMode, PacingModeName } from './pacing-mode.js';
import type { Redis } from './redis.js';
import { withTimeout } from './timeout.js';

/**
 * KEYS[1] the hold (a string with an expiry), ARGV: how long (ms), its note. Kept only when it ends later than the
 * hold in place (PTTL is -2 when there is none). The expiry is relative and counted on Redis' clock, so instances
 * whose clocks disagree still see the same hold end, each reading what is left of it (PTTL).
 */
const HOLD_SCRIPT = `
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], ARGV[2], 'PX', ms) end
return 1
`;

/** What is left of the hold (ms, ≤ 0 when there is none) and its note. */
const FIND_SCRIPT = `
return {redis.call('PTTL', KEYS[1]), redis.call('GET', KEYS[1])}
`;

/** Notes are short (a template's failure); a longer one is cut. */
const NOTE_MAX = 2000;

type WithHoldCommands = Redis & {
  holdSet(key: string, ms: string, note: string): Promise<number>;
  holdFind(key: string): Promise<[number, string | null | undefined]>;
};

/** The holds under `prefix` in Redis, beside the token bucket of the same key (`<prefix>{<key>}:hold`). */
export class SharedHoldStore {
  private readonly redis: WithHoldCommands;

  constructor(
    redis: Redis,
    private readonly prefix = 'pace:',
  ) {
    if (!('holdSet' in redis)) {
      redis.defineCommand('holdSet', { numberOfKeys: 1, lua: HOLD_SCRIPT });
      redis.defineCommand('holdFind', { numberOfKeys: 1, lua: FIND_SCRIPT });
    }
    this.redis = redis as WithHoldCommands;
  }

  /** The same hash tag as the bucket of `key` (SharedTokenBucket.keysOf), so both land on one node of a cluster. */
  keyOf(key: string): string {
    return `${this.prefix}{${key}}:hold`;
  }

  async hold(key: string, ms: number, note = ''): Promise<void> {
    await this.redis.holdSet(this.keyOf(key), String(ms), note.slice(0, NOTE_MAX));
  }

  async find(key: string): Promise<{ leftMs: number; note?: string } | undefined> {
    const [leftMs, note] = await this.redis.holdFind(this.keyOf(key));
    return leftMs > 0 ? { leftMs, ...(note ? { note } : {}) } : undefined;
  }
}

/**
 * Holds of one name (`slack:…:channel`, `bot:telegram`, `template`) published on Redis, so every instance waits
 * them out, and kept in this process too: the instance that got the "slow down" honours it whatever Redis does.
 * While Redis cannot answer (PacingMode, shared with the pacers) holds are this process' only, as without Redis; a
 * call to Redis never waits longer than `callTimeoutMs`.
 */
export class SharedHolds implements KeyedHolds {
  private readonly local = new LocalHolds();

  constructor(
    private readonly store: SharedHoldStore,
    private readonly mode: PacingMode,
    private readonly name: string,
    private readonly callTimeoutMs: number,
  ) {}

  async hold(key: string, ms: number, note?: string): Promise<PacingModeName> {
    const capped = Math.min(Math.max(1, Math.ceil(ms)), MAX_HOLD_MS);
    this.local.holdNow(key, capped, note);
    if (!this.mode.tryShared()) return 'local';
    try {
      await withTimeout(this.store.hold(`${this.name}:${key}`, capped, note), this.callTimeoutMs);
      this.mode.succeeded();
      return 'shared';
    } catch (error) {
      this.mode.failed(error);
      return 'local';
    }
  }

  async find(key: string): Promise<FoundHold | undefined> {
    const own = this.local.findNow(key);
    if (!this.mode.tryShared()) return own;
    let shared: { leftMs: number; note?: string } | undefined;
    try {
      shared = await withTimeout(this.store.find(`${this.name}:${key}`), this.callTimeoutMs);
      this.mode.succeeded();
    } catch (error) {
      this.mode.failed(error);
      return own;
    }
    // One made here while Redis was away may outlast what Redis knows.
    if (!shared || (own && own.leftMs > shared.leftMs)) return own;
    return { leftMs: Math.min(shared.leftMs, MAX_HOLD_MS), ...(shared.note !== undefined ? { note: shared.note } : {}), where: 'shared' };
  }
}
