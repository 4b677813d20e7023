/** Wakes the escalation service when a step falls due. The incident row stays the source of truth. */
export interface EscalationTimers {
  schedule(incidentId: number, step: number, dueAt: Date): Promise<void>;
  cancel(incidentId: number): Promise<void>;
}
