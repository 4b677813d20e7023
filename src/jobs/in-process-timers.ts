import type { EscalationTimers } from '../services/ports/escalation-timers.js';
import { WAKE_GRID_MS } from './escalate.job.js';

/** setTimeout's longest delay; a later wake is re-armed when this runs out. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Escalation timers in this process only, for while the scheduler's store (Redis) is away: on the same 200 ms grid as
 * the Agenda job, one timer per grid point. They die with the process; the sweep (at every start) fires what they
 * would have.
 */
export class InProcessEscalationTimers implements EscalationTimers {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly fireDue: (dueBy: Date) => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  async wakeAt(dueAt: Date): Promise<void> {
    const dueBy = Math.ceil(dueAt.getTime() / WAKE_GRID_MS) * WAKE_GRID_MS;
    if (!this.closed && !this.timers.has(dueBy)) this.arm(dueBy);
  }

  /** Cancels the pending wakes and returns their due times (to be handed to another scheduler). */
  handOver(): Date[] {
    const pending = [...this.timers.keys()].map((dueBy) => new Date(dueBy));
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    return pending;
  }

  /** No more wakes; resolves once the running ones have finished. */
  async close(): Promise<void> {
    this.closed = true;
    this.handOver();
    await Promise.allSettled([...this.running]);
  }

  private arm(dueBy: number): void {
    const delay = dueBy - Date.now();
    const timer = setTimeout(() => {
      this.timers.delete(dueBy);
      if (delay > MAX_DELAY_MS) return this.arm(dueBy);
      const run = this.fireDue(new Date(Math.max(dueBy, Date.now()))).then(() => undefined, this.onError);
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }, Math.max(0, Math.min(delay, MAX_DELAY_MS)));
    timer.unref();
    this.timers.set(dueBy, timer);
  }
}
