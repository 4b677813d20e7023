import { In, IsNull } from 'typeorm';
import { IncidentEntity } from '../../db/entities/incident.entity.js';
import type { Database } from '../../db/database.js';
import type { Logger } from '../../lib/logger.js';
import { WriteBatcher } from '../../lib/write-batcher.js';

const FLUSH_AFTER_MS = 100;
const MAX_BATCH = 500;

/**
 * Records "no escalation rule applied" on incidents in batches: one UPDATE for a burst of alerts rather than one per
 * incident. An incident whose mark is lost (a crash before the flush) is merely looked at again by the sweep.
 */
export class EscalationCheckedMarker {
  private readonly batch = new WriteBatcher<number>((ids) => this.write(ids), { flushAfterMs: FLUSH_AFTER_MS, maxBatch: MAX_BATCH });

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
  ) {}

  mark(incidentId: number): void {
    this.batch.add(incidentId);
  }

  /** Writes what is pending; resolves once everything marked before the call is stored (or logged as failed). */
  flush(): Promise<void> {
    return this.batch.flush();
  }

  private async write(ids: number[]): Promise<void> {
    try {
      await this.db.manager.update(IncidentEntity, { id: In(ids), escalationCheckedAt: IsNull() }, { escalationCheckedAt: new Date() });
    } catch (error) {
      this.logger.warn({ err: error, incidents: ids.length }, 'escalation check marks not stored; the sweep will look again');
    }
  }
}
