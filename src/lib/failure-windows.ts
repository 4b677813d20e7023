/**
 * Counts of failures (wrong admin tokens) per client address and in all, each in a window that starts at its first
 * failure. An address over its own limit waits for its window's end, whether its token is right or not. Over the
 * total (guesses spread over many addresses), every address that failed in its window waits for the total's end,
 * while one that has not failed is still heard: so a flood of guesses cannot lock out the scripts and admins that
 * send the right token, and each fresh address of the flood gets one guess, which then locks it out.
 */
export interface FailureLimits {
  perAddress: number;
  total: number;
  windowMs: number;
}

export interface FailureCheck {
  /** 0: the attempt may go on; else how long until the limit that refused it ends. */
  retryInMs: number;
  /** The address' failures in its window, this one included when it was counted. */
  failures: number;
}

export interface FailureWindows {
  /** Whether an attempt from `address` may go on; with `fail`, counts it as a failure when it may (atomically). */
  check(address: string, limits: FailureLimits, fail: boolean): Promise<FailureCheck>;
}

interface Window {
  count: number;
  endsAt: number;
}

/** Sweep ended windows once this many are kept (live ones are at most `total`: a refused attempt is not counted). */
const SWEEP_ABOVE = 1000;

/** The windows of this process: without Redis (one instance), or while Redis is away. */
export class LocalFailureWindows implements FailureWindows {
  private readonly byAddress = new Map<string, Window>();
  private total: Window = { count: 0, endsAt: 0 };

  constructor(private readonly now = () => Date.now()) {}

  async check(address: string, limits: FailureLimits, fail: boolean): Promise<FailureCheck> {
    const now = this.now();
    if (this.total.endsAt <= now) this.total = { count: 0, endsAt: 0 };
    let mine = this.byAddress.get(address);
    if (mine && mine.endsAt <= now) {
      this.byAddress.delete(address);
      mine = undefined;
    }
    const failedHere = (mine?.count ?? 0) > 0;
    const waits = [mine && mine.count >= limits.perAddress ? mine.endsAt - now : 0, failedHere && this.total.count >= limits.total ? this.total.endsAt - now : 0];
    const retryInMs = Math.max(...waits);
    if (retryInMs > 0 || !fail) return { retryInMs, failures: mine?.count ?? 0 };
    if (this.byAddress.size >= SWEEP_ABOVE) this.sweep(now);
    mine ??= { count: 0, endsAt: now + limits.windowMs };
    mine.count += 1;
    this.byAddress.set(address, mine);
    if (this.total.count === 0) this.total.endsAt = now + limits.windowMs;
    this.total.count += 1;
    return { retryInMs: 0, failures: mine.count };
  }

  private sweep(now: number): void {
    for (const [address, window] of this.byAddress) if (window.endsAt <= now) this.byAddress.delete(address);
  }
}
