import { Pacer, type KeyedPacer, type OnHold } from './pacer.js';
import type { PacingMode } from './pacing-mode.js';
import type { BucketLimit, SharedTokenBucket, TakeAnswer } from './shared-token-bucket.js';
import { withTimeout } from './timeout.js';

/** How long a pacing call waits for Redis before this process paces instead: a page must never wait on Redis. */
export const SHARED_PACING_CALL_TIMEOUT_MS = 250;

interface WaitingCall {
  resolve: () => void;
  /** Counted as a rate-limit hold already. */
  held: boolean;
}

interface Lane {
  /** Waiting calls by priority class, lowest number first; each class in arrival order. */
  waiting: Array<{ priority: number; calls: WaitingCall[] }>;
  count: number;
  /** A loop is asking Redis for this key's turns. */
  pumping: boolean;
}

/**
 * A pacer whose rate is shared by every instance through a token bucket in Redis (same `name`, same key: same
 * bucket). Within the instance, a key's waiting calls queue by priority as in Pacer and only the first of them asks
 * Redis, so a send costs one round trip when the bucket has a token, and one more per wait when it has not.
 *
 * While Redis cannot answer (PacingMode), calls go to a Pacer of the same rate in this process, and the calls queued
 * here are handed to it in their order: pacing never stops a call because Redis is away.
 */
export class SharedPacer implements KeyedPacer {
  private readonly lanes = new Map<string, Lane>();
  private readonly local: Pacer;

  constructor(
    private readonly bucket: SharedTokenBucket,
    private readonly mode: PacingMode,
    private readonly name: string,
    private readonly limit: BucketLimit,
    /** This instance's name among the waiters. */
    private readonly waiter: string,
    private readonly onHold?: OnHold,
    private readonly callTimeoutMs = SHARED_PACING_CALL_TIMEOUT_MS,
  ) {
    this.local = new Pacer(limit.perSecond, limit.burst, onHold);
  }

  wait(key: string, priority = 0): Promise<void> {
    const lane = this.lanes.get(key);
    if (!lane && !this.mode.tryShared()) return this.local.wait(key, priority);
    return new Promise<void>((resolve) => {
      const current = lane ?? this.newLane(key);
      const call: WaitingCall = { resolve, held: current.count > 0 };
      if (call.held) this.onHold?.('shared');
      const queue = current.waiting.find((entry) => entry.priority === priority);
      if (queue) queue.calls.push(call);
      else insertSorted(current.waiting, { priority, calls: [call] });
      current.count += 1;
      if (!current.pumping) void this.pump(key, current);
    });
  }

  private newLane(key: string): Lane {
    const lane: Lane = { waiting: [], count: 0, pumping: false };
    this.lanes.set(key, lane);
    return lane;
  }

  /** Asks Redis for turns, for the most urgent waiting call each time, until nobody waits for the key. */
  private async pump(key: string, lane: Lane): Promise<void> {
    lane.pumping = true;
    try {
      while (lane.count > 0) {
        const queue = lane.waiting[0];
        const call = queue.calls[0];
        let answer: TakeAnswer;
        try {
          if (!this.mode.tryShared()) throw new Error('pacing in this process');
          answer = await withTimeout(
            this.bucket.take(`${this.name}:${key}`, this.limit, { priority: queue.priority, waiter: this.waiter, moreWaiting: queue.calls.length > 1 }),
            this.callTimeoutMs,
          );
          this.mode.succeeded();
        } catch (error) {
          this.mode.failed(error);
          this.handOver(key, lane);
          return;
        }
        if (answer.granted) {
          // A more urgent call may have arrived during the round trip: the turn is still this call's.
          queue.calls.shift();
          if (queue.calls.length === 0) lane.waiting.splice(lane.waiting.indexOf(queue), 1);
          lane.count -= 1;
          call.resolve();
          continue;
        }
        if (!call.held) {
          call.held = true;
          this.onHold?.('shared');
        }
        await new Promise((resolve) => setTimeout(resolve, answer.retryInMs));
      }
    } finally {
      lane.pumping = false;
      if (lane.count === 0 && this.lanes.get(key) === lane) this.lanes.delete(key);
    }
  }

  /** The calls queued for the key go to this process' pacer, most urgent first, each class in its order. */
  private handOver(key: string, lane: Lane): void {
    const waiting = lane.waiting;
    lane.waiting = [];
    lane.count = 0;
    this.lanes.delete(key);
    for (const queue of waiting) for (const call of queue.calls) void this.local.wait(key, queue.priority).then(call.resolve);
  }
}

function insertSorted(waiting: Lane['waiting'], entry: Lane['waiting'][number]): void {
  const at = waiting.findIndex((other) => other.priority > entry.priority);
  if (at === -1) waiting.push(entry);
  else waiting.splice(at, 0, entry);
}
