import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { storeUnavailable, unreachableStore } from '../../lib/store-outage.js';
import { TimeoutError, withTimeout } from '../../lib/timeout.js';
import type { AdminSessionStore } from './admin-session-store.js';

/** A working day and a half: long enough for a shift, short enough that a forgotten laptop does not stay signed in. */
export const DEFAULT_SESSION_MINUTES = 720;
/** How long a sign-in or a session lookup waits for its store (Redis, the database) before answering 503. */
export const SESSION_STORE_WAIT_MS = 2000;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export interface AdminSession {
  /** The cookie value: given to the browser once, stored only as a hash. */
  id: string;
  /** Sent back by the console in the X-CSRF-Token header of every change. */
  csrfToken: string;
  expiresAt: Date;
}

/**
 * Console sign-ins with the admin token. A session ends at its expiry, at sign-out, or when the admin token changes
 * (sessions remember a fingerprint of the token that opened them). While the store does not answer (in time), calls
 * throw a 503 naming it rather than a 500 or a request that hangs; the next call after it is back works.
 */
export class AdminSessions {
  private readonly fingerprint: string;

  constructor(
    private readonly store: AdminSessionStore,
    private readonly adminToken: string,
    private readonly lifetimeMs: number,
    private readonly storeWaitMs = SESSION_STORE_WAIT_MS,
  ) {
    this.fingerprint = sha256(`console-session:${adminToken}`);
  }

  /** Whether `token` is the admin token (compared in constant time). */
  isAdminToken(token: string): boolean {
    return sameText(sha256(token), sha256(this.adminToken));
  }

  /** A new session when `token` is the admin token; undefined otherwise. */
  async signIn(token: string): Promise<AdminSession | undefined> {
    if (!this.isAdminToken(token)) return undefined;
    const session: AdminSession = {
      id: randomBytes(32).toString('base64url'),
      csrfToken: randomBytes(32).toString('base64url'),
      expiresAt: new Date(Date.now() + this.lifetimeMs),
    };
    const stored = { csrfToken: session.csrfToken, tokenFingerprint: this.fingerprint, expiresAt: session.expiresAt };
    await this.reach('console sign-in is unavailable', () => this.store.save(sha256(session.id), stored));
    return session;
  }

  /** The live session with this cookie value, or undefined. */
  async find(id: string): Promise<AdminSession | undefined> {
    if (!id || id.length > 200) return undefined;
    const stored = await this.reach('the console session cannot be checked', () => this.store.find(sha256(id)));
    if (!stored || !sameText(stored.tokenFingerprint, this.fingerprint)) return undefined;
    return { id, csrfToken: stored.csrfToken, expiresAt: stored.expiresAt };
  }

  async signOut(id: string): Promise<void> {
    await this.reach('sign-out is unavailable', () => this.store.remove(sha256(id)));
  }

  private async reach<T>(subject: string, call: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(call(), this.storeWaitMs);
    } catch (error) {
      if (error instanceof TimeoutError || unreachableStore(error)) throw storeUnavailable(this.store.name, subject);
      throw error;
    }
  }

  static csrfMatches(session: AdminSession, header: string | undefined): boolean {
    return typeof header === 'string' && header.length > 0 && sameText(header, session.csrfToken);
  }
}
