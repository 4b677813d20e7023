

import type { Logger } from '../../lib/logger.js';
import type { IncidentView } from '../../rendering/incident-view.js';
import type { PlatformName } from '../../domain/platform-name.js';
import type { TimelineKind } from '../../domain/timeline.js';

/** A posted card that its platform redraws itself with the change's view (a click answered with the new card). */
export interface RedrawnCard {
  platform: PlatformName;
  chatId: string;
  messageId: string;
}

export interface IncidentChange {
  incidentId: number;
  channelId: number;
  kind: TimelineKind;
  /** The incident as it looks after the change, when the publisher built it already (read after the commit). */
  view?: IncidentView;
  /** Set only together with `view`: that card shows `view` without being updated. */
  redrawn?: RedrawnCard;
}

/** What a caller adds to the change it causes: read after the commit, announced with it. */
export type ChangeNotes = Pick<IncidentChange, 'view' | 'redrawn'>;

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
