/**
 * Spaces out calls per key (a chat, a message, a workspace) to at most `perSecond`, without blocking other keys.
 * `burst` calls may go at once after a quiet spell (a token bucket of that size, kept as the time the next call is
 * due); 1 means strict spacing. In-process; each instance paces its own calls.
 */
export class Pacer {
  private readonly next = new Map<string, number>();
  private readonly intervalMs: number;
  private readonly burstMs: number;

  constructor(perSecond: number, burst = 1) {
    this.intervalMs = 1000 / perSecond;
    this.burstMs = (Math.max(1, burst) - 1) * this.intervalMs;
  }

  async wait(key: string): Promise<void> {
    const now = Date.now();
    // The time the key's calls so far would take at the steady rate; up to `burst - 1` intervals of it may be ahead of now.
    const due = Math.max(now, this.next.get(key) ?? 0);
    this.next.set(key, due + this.intervalMs);
    const slot = due - this.burstMs;
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
    if (this.next.size > 10_000) this.forgetPast(Date.now());
  }

  private forgetPast(now: number): void {
    for (const [key, at] of this.next) if (at < now) this.next.delete(key);
  }
}
