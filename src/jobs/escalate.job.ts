import type { Agenda, Job } from 'agenda';
import type { EscalationService } from '../services/escalation/escalation.service.js';
import type { EscalationTimers } from '../services/ports/escalation-timers.js';

export const ESCALATE_JOB = 'escalation:due';

/**
 * Due times are rounded up to this grid, and one job per grid point fires every step due by then. Thousands of
 * incidents escalating within seconds of each other thus need a handful of jobs a second instead of one each
 * (agenda's Redis backend locks jobs one by one, at a few dozen a second), at the cost of up to this much lateness.
 */
export const WAKE_GRID_MS = 200;

/**
 * One grid point at a time per instance: a run fires everything due by its start, so the points queued behind a
 * slow one find little left, where running them side by side would have them fight over the same rows.
 */
const CONCURRENCY = 1;

interface EscalateJobData {
  /** Every step due by this time (epoch ms) is fired. */
  dueBy: number;
}

/** The job only wakes the service: which steps to page, and whether at all, is decided on the incident rows. */
export function defineEscalateJob(agenda: Agenda, escalations: EscalationService): void {
  agenda.define(
    ESCALATE_JOB,
    async (job: Job<EscalateJobData>) => {
      await escalations.fireDue(new Date(Math.max(job.attrs.data.dueBy, Date.now())));
    },
    { concurrency: CONCURRENCY },
  );
}

export class AgendaEscalationTimers implements EscalationTimers {
  /** Grid points this instance has already stored a job for (agenda's Redis backend scans a name's jobs per unique save). */
  private readonly stored = new Map<number, Promise<void>>();

  constructor(private readonly agenda: Agenda) {}

  wakeAt(dueAt: Date): Promise<void> {
    const dueBy = Math.ceil(dueAt.getTime() / WAKE_GRID_MS) * WAKE_GRID_MS;
    let saved = this.stored.get(dueBy);
    if (!saved) {
      this.forgetPast();
      saved = this.save(dueBy);
      this.stored.set(dueBy, saved);
      saved.catch(() => this.stored.delete(dueBy));
    }
    return saved;
  }

  /** One job per grid point in the whole deployment, whichever instance asks first; later asks leave it as it is. */
  private async save(dueBy: number): Promise<void> {
    await this.agenda
      .create<EscalateJobData>(ESCALATE_JOB, { dueBy })
      .unique({ 'data.dueBy': dueBy }, { insertOnly: true })
      .schedule(new Date(dueBy))
      .save();
  }

  private forgetPast(): void {
    const before = Date.now() - WAKE_GRID_MS;
    for (const dueBy of this.stored.keys()) if (dueBy < before) this.stored.delete(dueBy);
  }
}
