import type { Agenda, Job } from 'agenda';
import type { EscalationService } from '../services/escalation.service.js';
import type { EscalationTimers } from '../services/ports/escalation-timers.js';

export const ESCALATE_JOB = 'incident:escalate';

interface EscalateJobData {
  incidentId: number;
  step: number;
}

/**
 * How many escalation steps one instance runs at once. A run mostly waits on Feishu (paced to 5 QPS per chat), so
 * with agenda's default of 5 a burst of incidents in one chat made the other incidents' next levels wait for those
 * deliveries; this is agenda's default total (maxConcurrency) instead.
 */
export const ESCALATE_CONCURRENCY = 20;

/** The job only wakes the service: which step to page, and whether at all, is decided on the incident row. */
export function defineEscalateJob(agenda: Agenda, escalations: EscalationService): void {
  agenda.define(
    ESCALATE_JOB,
    async (job: Job<EscalateJobData>) => {
      const { incidentId, step } = job.attrs.data;
      await escalations.fire(incidentId, step);
    },
    { concurrency: ESCALATE_CONCURRENCY },
  );
}

export class AgendaEscalationTimers implements EscalationTimers {
  constructor(private readonly agenda: Agenda) {}

  async schedule(incidentId: number, step: number, dueAt: Date): Promise<void> {
    await this.agenda.schedule<EscalateJobData>(dueAt, ESCALATE_JOB, { incidentId, step });
  }

  async cancel(incidentId: number): Promise<void> {
    await this.agenda.cancel({ name: ESCALATE_JOB, data: { incidentId } });
  }
}
