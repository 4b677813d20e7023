import { LessThan } from 'typeorm';
import { EVENT_DEDUPE_RETENTION_MS, type Deduper } from '../lib/dedupe.js';
import { ProcessedEventEntity } from './entities/processed-event.entity.js';
import { isUniqueViolation, type Database } from './database.js';

const CLEANUP_EVERY_MS = 3600 * 1000;
const KEY_INDEX = { name: 'PRIMARY', columns: 'processed_events.event_key' };

/** Deduplication on the database, for the embedded (no Redis) mode: the primary key does the work. */
export class DatabaseDeduper implements Deduper {
  private lastCleanup = 0;

  constructor(private readonly db: Database) {}

  async firstSeen(key: string): Promise<boolean> {
    try {
      await this.db.manager.insert(ProcessedEventEntity, { eventKey: key.slice(0, 160), createdAt: new Date() });
    } catch (error) {
      if (isUniqueViolation(error, KEY_INDEX)) return false;
      throw error;
    }
    this.cleanUpNowAndThen();
    return true;
  }

  /** Old keys go at most once an hour, in the background: no event waits for the housekeeping. */
  private cleanUpNowAndThen(): void {
    const now = Date.now();
    if (now - this.lastCleanup < CLEANUP_EVERY_MS) return;
    this.lastCleanup = now;
    // A failed cleanup (database closing, busy) is retried at the next turn; the keys only take space meanwhile.
    void this.db.manager.delete(ProcessedEventEntity, { createdAt: LessThan(new Date(now - EVENT_DEDUPE_RETENTION_MS)) }).catch(() => undefined);
  }
}
