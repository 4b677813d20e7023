import { LocalHolds, type KeyedHolds } from './holds.js';
import type { PacingModeName } from './pacing-mode.js';

/** Told each time a call has to wait for its turn, and whether it waited on Redis (`shared`) or in this process. */
export type OnHold = (where: PacingModeName) => void;

/** Waits for a key's turn: `priority` orders the calls waiting for the same key, lowest first. */
export interface KeyedPacer {
  wait(key: string, priority?: number): Promise<void>;
}

/**
 * Makes the pacers of a platform client. `name` tells one limit from another (`feishu:chat`, `bot:dingtalk:minute`)
 * and must be the same on every instance: with Redis, pacers of one name share their rate across instances.
 */
export interface Pacing {
  pacer(name: string, perSecond: number, burst?: number, onHold?: OnHold): KeyedPacer;
  /**
   * The holds of a name (a platform's "slow down" for a key, named like the pacer of that key): with Redis every
   * instance sees them.
   */
  holds(name: string): KeyedHolds;
}

/** Every instance paces its own calls (no Redis, and tests of one client). */
export const localPacing: Pacing = {
  pacer: (_name, perSecond, burst, onHold) => new Pacer(perSecond, burst, onHold),
  holds: () => new LocalHolds(),
};

/**
 * What a rate-limit hold waited for: our pacing per chat, per message or per workspace; the platform's answer
 * (`retry_after`, counted once per answer), or a call waiting out such an answer's hold (`held`, from any instance).
 */
export type RateLimitScope = 'chat' | 'message' | 'workspace' | 'retry_after' | 'held';

/** A platform client's report of each hold (metrics): its scope, and whether Redis or this process kept it. */
export type OnRateLimitHold = (scope: RateLimitScope, where: PacingModeName) => void;

/**
 * Spaces out calls per key (a chat, a message, a workspace) to at most `perSecond`, without blocking other keys.
 * `burst` calls may go at once after a quiet spell (a token bucket of that size, kept as the time the next call is
 * due); 1 means strict spacing. In-process; each instance paces its own calls.
 *
 * Calls that have to wait for a key queue there, and each free slot goes to the waiting call with the lowest
 * `priority` number, equal ones in the order they came: a call of a lower number overtakes those of higher numbers
 * already waiting, never one already let through. The rate is the same whatever the order.
 */
export class Pacer implements KeyedPacer {
  private readonly lanes = new Map<string, Lane>();
  private readonly intervalMs: number;
  private readonly burstMs: number;

  /** `onHold`: told each time a call has to wait for its turn (counted as a rate-limit hold). */
  constructor(perSecond: number, burst = 1, private readonly onHold?: OnHold) {
    this.intervalMs = 1000 / perSecond;
    this.burstMs = (Math.max(1, burst) - 1) * this.intervalMs;
  }

  async wait(key: string, priority = 0): Promise<void> {
    const lane = this.lanes.get(key) ?? this.newLane(key);
    if (lane.count === 0 && this.mayGo(lane, Date.now())) {
      this.take(lane, Date.now());
      return;
    }
    this.onHold?.('local');
    await new Promise<void>((resolve) => {
      const queue = lane.waiting.find((entry) => entry.priority === priority);
      if (queue) queue.calls.push(resolve);
      else insertSorted(lane.waiting, { priority, calls: [resolve] });
      lane.count += 1;
      this.schedule(lane);
    });
  }

  private newLane(key: string): Lane {
    if (this.lanes.size >= 10_000) this.forgetIdle(Date.now());
    const lane: Lane = { next: 0, waiting: [], count: 0 };
    this.lanes.set(key, lane);
    return lane;
  }

  /** Whether a call may go now: the steady rate's schedule is at most `burst - 1` intervals ahead of now. */
  private mayGo(lane: Lane, now: number): boolean {
    return lane.next - this.burstMs <= now;
  }

  private take(lane: Lane, now: number): void {
    lane.next = Math.max(now, lane.next) + this.intervalMs;
  }

  /** One timer per key with waiting calls, due when the next of them may go. */
  private schedule(lane: Lane): void {
    if (lane.timer || lane.count === 0) return;
    const delay = Math.max(0, lane.next - this.burstMs - Date.now());
    lane.timer = setTimeout(() => this.release(lane), delay);
  }

  private release(lane: Lane): void {
    lane.timer = undefined;
    const now = Date.now();
    while (lane.count > 0 && this.mayGo(lane, now)) {
      const first = lane.waiting[0];
      const resolve = first.calls.shift()!;
      if (first.calls.length === 0) lane.waiting.shift();
      lane.count -= 1;
      this.take(lane, now);
      resolve();
    }
    // A timer may fire a little early; then it is set again for the rest.
    this.schedule(lane);
  }

  /** Drops keys nobody waits for whose rate has caught up with now: they would let a call go at once anyway. */
  private forgetIdle(now: number): void {
    for (const [key, lane] of this.lanes) if (lane.count === 0 && lane.next < now) this.lanes.delete(key);
  }
}

interface Lane {
  /** When the next call is due at the steady rate. */
  next: number;
  /** Waiting calls by priority class, lowest number first; each class in arrival order. */
  waiting: Array<{ priority: number; calls: Array<() => void> }>;
  /** How many calls wait, over all classes. */
  count: number;
  timer?: NodeJS.Timeout;
}

function insertSorted(waiting: Lane['waiting'], entry: Lane['waiting'][number]): void {
  const at = waiting.findIndex((other) => other.priority > entry.priority);
  if (at === -1) waiting.push(entry);
  else waiting.splice(at, 0, entry);
}
