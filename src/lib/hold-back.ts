/**
 * Keys (a Slack channel) held back until a moment, as a 429's Retry-After asks: every call for a held key waits it
 * out, not only the one that was refused. Other keys are never held up. In-process.
 */
export class HoldBack {
  private readonly until = new Map<string, number>();

  /** No call for `key` before `ms` from now (a later hold already in place stays). */
  hold(key: string, ms: number): void {
    const at = Date.now() + ms;
    if (at > (this.until.get(key) ?? 0)) this.until.set(key, at);
  }

  isHeld(key: string): boolean {
    const at = this.until.get(key);
    if (at === undefined) return false;
    if (at > Date.now()) return true;
    this.until.delete(key);
    return false;
  }

  /** Resolves once `key` is not held (at once when it is not); a hold made meanwhile is waited out too. */
  async waitOut(key: string): Promise<void> {
    for (;;) {
      const at = this.until.get(key);
      const left = at === undefined ? 0 : at - Date.now();
      if (left <= 0) {
        if (at !== undefined) this.until.delete(key);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, left));
    }
  }
}
