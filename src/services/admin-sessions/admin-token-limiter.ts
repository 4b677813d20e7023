import { AppError } from '../../lib/errors.js';
import type { FailureLimits, FailureWindows } from '../../lib/failure-windows.js';
import type { Logger } from '../../lib/logger.js';

export const DEFAULT_ADMIN_TOKEN_LIMITS: FailureLimits = { perAddress: 5, total: 100, windowMs: 15 * 60_000 };

/** Where a wrong admin token was tried (logged with the address; the token never is). */
export type AdminTokenUse = 'console sign-in' | 'admin API' | 'Details page';

/**
 * Wrong admin tokens (console sign-in, Authorization: Bearer) counted per client address and in all. An address
 * over its limit is refused with a 429 until its window ends, the right token too: a guesser learns nothing more.
 * Over the total, the addresses that failed are refused and the others are heard once (see FailureWindows). A
 * right token costs nothing (it is only checked against the limits), so signing in is never counted.
 */
export class AdminTokenLimiter {
  constructor(
    private readonly windows: FailureWindows,
    private readonly limits: FailureLimits,
    private readonly logger: Logger,
  ) {}

  /** Before a right token is accepted: throws 429 while `address` (a clientAddressKey) or everyone is over the limit. */
  async admit(address: string, field = ''): Promise<void> {
    const { retryInMs } = await this.windows.check(address, this.limits, false);
    if (retryInMs > 0) throw this.limited(address, retryInMs, field);
  }

  /** Counts a wrong token from `address`; throws 429 when it was over the limit already. */
  async failed(address: string, use: AdminTokenUse, field = ''): Promise<void> {
    const { retryInMs, failures } = await this.windows.check(address, this.limits, true);
    if (retryInMs > 0) throw this.limited(address, retryInMs, field);
    const last = failures >= this.limits.perAddress;
    this.logger.warn({ address, use, failures, limit: this.limits.perAddress }, last ? 'wrong admin token: this address is refused until its window ends' : 'wrong admin token');
  }

  private limited(address: string, retryInMs: number, field: string): AppError {
    const seconds = Math.ceil(retryInMs / 1000);
    const wait = seconds >= 90 ? `${Math.ceil(seconds / 60)} minutes` : `${seconds} seconds`;
    // No "; " in it: the console splits a message there into parts for different fields.
    return new AppError('rate_limited', `${field}too many wrong admin tokens were tried. Try again in ${wait}`, undefined, seconds);
  }
}
