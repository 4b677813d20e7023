import { LessThan } from 'typeorm';
import type { Deduper } from '../lib/dedupe.js';
import { ProcessedEventEntity } from './entities/processed-event.entity.js';
import { isUniqueViolation, type Database } from './database.js';

const KEEP_MS = 7 * 24 * 3600 * 1000;
const KEY_INDEX = { name: 'PRIMARY', columns: 'processed_events.event_key' };

/** Deduplication on the database, for the embedded (no Redis) mode: the primary key does the work. */
export class DatabaseDeduper implements Deduper {
  private inserts = 0;

  constructor(private readonly db: Database) {}

  async firstSeen(key: string): Promise<boolean> {
    try {
      await this.db.manager.insert(ProcessedEventEntity, { eventKey: key.slice(0, 160), createdAt: new Date() });
    } catch (error) {
      if (isUniqueViolation(error, KEY_INDEX)) return false;
      throw error;
    }
    if (++this.inserts % 500 === 0) await this.db.manager.delete(ProcessedEventEntity, { createdAt: LessThan(new Date(Date.now() - KEEP_MS)) });
    return true;
  }
}
