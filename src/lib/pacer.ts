/**
 * Spaces out calls per key (a chat, a message) to at most `perSecond`, without blocking other keys.
 * In-process; each instance paces its own calls.
 */
export class Pacer {
  private readonly next = new Map<string, number>();
  private readonly intervalMs: number;

  constructor(perSecond: number) {
    this.intervalMs = 1000 / perSecond;
  }

  async wait(key: string): Promise<void> {
    const now = Date.now();
    const slot = Math.max(now, this.next.get(key) ?? 0);
    this.next.set(key, slot + this.intervalMs);
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
    if (this.next.size > 10_000) this.forgetPast(Date.now());
  }

  private forgetPast(now: number): void {
    for (const [key, at] of this.next) if (at < now) this.next.delete(key);
  }
}
