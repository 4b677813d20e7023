/**
 * Collects items written in one go: after `flushAfterMs`, or at once when `maxBatch` are waiting. Writes run one
 * after the other; flush() resolves once everything added before it has been handed to `write`.
 */
export class WriteBatcher<T> {
  private pending: T[] = [];
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly options: { flushAfterMs: number; maxBatch: number },
  ) {}

  add(item: T): void {
    this.pending.push(item);
    if (this.pending.length >= this.options.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushAfterMs).unref();
  }

  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const items = this.pending;
    this.pending = [];
    if (items.length > 0) this.writing = this.writing.then(() => this.write(items));
    return this.writing;
  }
}
