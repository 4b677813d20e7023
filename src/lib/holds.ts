import type { PacingModeName } from './pacing-mode.js';

/**
 * A hold is asked for at most this long: a platform's (or a bug's) Retry-After of hours must not stop a chat for
 * hours, and a hold always ends.
 */
export const MAX_HOLD_MS = 15 * 60_000;

/** A hold in place: how long it has left, the note it was made with, and where it was found. */
export interface FoundHold {
  leftMs: number;
  note?: string;
  /** `shared`: published on Redis (by this instance or another); `local`: kept by this process only. */
  where: PacingModeName;
}

/**
 * Keys held back until a moment — a platform's "slow down" (a 429's Retry-After) for a chat, a channel, a bot, or a
 * message template sitting out a while. Made by the pacing (`Pacing.holds`), named like its pacers: with Redis a hold
 * is seen by every instance, without it (or while Redis is away) by this process only.
 */
export interface KeyedHolds {
  /** No call for `key` before `ms` from now (a later hold already in place stays); where it was kept. Never rejects. */
  hold(key: string, ms: number, note?: string): Promise<PacingModeName>;
  /** The hold on `key` now, if any. Never rejects. */
  find(key: string): Promise<FoundHold | undefined>;
}

/** Holds kept in this process (no Redis, and while Redis is away). */
export class LocalHolds implements KeyedHolds {
  private readonly until = new Map<string, { at: number; note?: string }>();

  async hold(key: string, ms: number, note?: string): Promise<PacingModeName> {
    this.holdNow(key, ms, note);
    return 'local';
  }

  holdNow(key: string, ms: number, note?: string): void {
    const at = Date.now() + Math.min(Math.max(0, ms), MAX_HOLD_MS);
    if (at > (this.until.get(key)?.at ?? 0)) {
      if (this.until.size >= 10_000) this.forgetPast();
      this.until.set(key, { at, note });
    }
  }

  async find(key: string): Promise<FoundHold | undefined> {
    return this.findNow(key);
  }

  findNow(key: string): FoundHold | undefined {
    const held = this.until.get(key);
    if (!held) return undefined;
    const leftMs = held.at - Date.now();
    if (leftMs > 0) return { leftMs, note: held.note, where: 'local' };
    this.until.delete(key);
    return undefined;
  }

  private forgetPast(): void {
    const now = Date.now();
    for (const [key, held] of this.until) if (held.at <= now) this.until.delete(key);
  }
}

/**
 * Resolves once `key` is not held (at once when it is not); a hold made meanwhile is waited out too. `onWait` is told
 * of each hold waited for (metrics). Whether it had to wait.
 */
export async function waitOutHold(holds: KeyedHolds, key: string, onWait?: (where: PacingModeName) => void): Promise<boolean> {
  let waited = false;
  for (;;) {
    const held = await holds.find(key);
    if (!held) return waited;
    if (!waited) onWait?.(held.where);
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, held.leftMs));
  }
}

/** Past any hold on `key`, then its pacing; a hold made while the call waited for its pace is waited out as well. */
export async function waitTurnPastHolds(holds: KeyedHolds, key: string, pace: () => Promise<void>, onWait?: (where: PacingModeName) => void): Promise<void> {
  await waitOutHold(holds, key, onWait);
  do await pace();
  while (await waitOutHold(holds, key, onWait));
}
