import { In, IsNull } from 'typeorm';
import { IncidentEntity } from '../db/entities/incident.entity.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../lib/logger.js';

const FLUSH_AFTER_MS = 100;
const MAX_BATCH = 500;

/**
 * Records "no escalation rule applied" on incidents in batches: one UPDATE for a burst of alerts rather than one per
 * incident. An incident whose mark is lost (a crash before the flush) is merely looked at again by the sweep.
 */
export class EscalationCheckedMarker {
  private pending: number[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
  ) {}

  mark(incidentId: number): void {
    this.pending.push(incidentId);
    if (this.pending.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_AFTER_MS).unref();
  }

  /** Writes what is pending; resolves once everything marked before the call is stored (or logged as failed). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const ids = this.pending;
    this.pending = [];
    if (ids.length > 0) this.flushing = this.flushing.then(() => this.write(ids));
    return this.flushing;
  }

  private async write(ids: number[]): Promise<void> {
    try {
      await this.db.manager.update(IncidentEntity, { id: In(ids), escalationCheckedAt: IsNull() }, { escalationCheckedAt: new Date() });
    } catch (error) {
      this.logger.warn({ err: error, incidents: ids.length }, 'escalation check marks not stored; the sweep will look again');
    }
  }
}
