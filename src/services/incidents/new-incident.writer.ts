import type { EntityManager } from 'typeorm';
import { AlertEntity, type Alert } from '../../db/entities/alert.entity.js';
import { IncidentEventEntity } from '../../db/entities/incident-event.entity.js';
import { IncidentEntity, type Incident } from '../../db/entities/incident.entity.js';
import { bulkInsert } from '../../db/bulk-insert.js';
import type { Database } from '../../db/database.js';
import type { Actor } from '../../domain/actor.js';
import { recordReceipts } from '../../db/receipts.js';

/** A new incident with its first alert, ready to insert. */
export interface NewIncidentRecord {
  incident: Omit<Incident, 'id'>;
  alert: Omit<Alert, 'id' | 'incidentId'>;
  actor: Actor;
  /** Names what this alert was made from (an email), so the same thing is never made into two alerts. */
  receiptKey?: string;
}

export interface NewIncidentIds {
  incidentId: number;
  alertId: number;
}

/** Inserts incidents, their alerts and "triggered" timeline entries: three statements however many records. */
export async function insertNewIncidents(tx: EntityManager, records: NewIncidentRecord[]): Promise<NewIncidentIds[]> {
  await recordReceipts(tx, records.flatMap((record) => (record.receiptKey ? [record.receiptKey] : [])));
  const incidentIds = await bulkInsert(tx, IncidentEntity, records.map((record) => record.incident));
  const alertIds = await bulkInsert(
    tx,
    AlertEntity,
    records.map((record, index) => ({ ...record.alert, incidentId: incidentIds[index] })),
  );
  const ids = alertIds.map((alertId, index) => ({ incidentId: incidentIds[index], alertId }));
  await bulkInsert(
    tx,
    IncidentEventEntity,
    records.map((record, index) => ({
      incidentId: ids[index].incidentId,
      kind: 'triggered' as const,
      actorType: record.actor.type,
      actorId: record.actor.id,
      actorName: record.actor.name.slice(0, 100),
      detail: { alertId: ids[index].alertId },
      createdAt: record.incident.createdAt,
    })),
  );
  return ids;
}

interface Pending {
  record: NewIncidentRecord;
  resolve(ids: NewIncidentIds): void;
  reject(error: unknown): void;
}

/**
 * Writes "always new" alerts in batches without ever waiting on a timer: while `maxInFlight` transactions are
 * committing, new arrivals queue, and the next transaction takes all of them. At low load every alert is its own
 * transaction; under a burst, one commit carries many. Each caller still gets its answer only after its commit.
 */
export class NewIncidentWriter {
  private readonly queue: Pending[] = [];
  private inFlight = 0;

  constructor(
    private readonly db: Database,
    private readonly maxInFlight: number,
    private readonly maxBatch = 200,
  ) {}

  write(record: NewIncidentRecord): Promise<NewIncidentIds> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      void this.commit(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    try {
      const ids = await this.db.transaction((tx) => insertNewIncidents(tx, batch.map((pending) => pending.record)));
      batch.forEach((pending, index) => pending.resolve(ids[index]));
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      // One bad record must not sink the others: retry each on its own.
      await Promise.all(batch.map((pending) => this.commit([pending])));
    }
  }
}
