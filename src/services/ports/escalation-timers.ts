/** Wakes the escalation service when steps fall due. The incident rows stay the source of truth. */
export interface EscalationTimers {
  /** Make sure the service is woken at (or just after) `dueAt` to fire every step due by then. */
  wakeAt(dueAt: Date): Promise<void>;
}
