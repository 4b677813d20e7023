import type { TimelineKind } from '../db/entities/incident-event.entity.js';
import type { Logger } from '../lib/logger.js';

export interface IncidentChange {
  incidentId: number;
  channelId: number;
  kind: TimelineKind;
}

type Listener = (change: IncidentChange) => void | Promise<void>;

/**
 * Tells the rest of the process (cards, escalation) that an incident changed — always after the change is
 * committed, never blocking the caller: a slow or failing listener cannot delay or undo an alert.
 */
export class IncidentChangeFeed {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly logger: Logger) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(change: IncidentChange): void {
    for (const listener of this.listeners) {
      Promise.resolve()
        .then(() => listener(change))
        .catch((error: unknown) => this.logger.error({ err: error, incidentId: change.incidentId }, 'incident change listener failed'));
    }
  }
}
