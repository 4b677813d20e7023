import { LessThan } from 'typeorm';
import type { Database } from '../../db/database.js';
import { ConsoleSessionEntity } from '../../db/entities/console-session.entity.js';
import type { AdminSessionStore, StoredAdminSession } from './admin-session-store.js';

const CLEANUP_EVERY_MS = 3600 * 1000;

/** Console sessions as rows; expired rows are ignored at once and deleted now and then. */
export class DatabaseAdminSessionStore implements AdminSessionStore {
  readonly name = 'the database';
  private lastCleanup = 0;

  constructor(private readonly db: Database) {}

  async save(idHash: string, session: StoredAdminSession): Promise<void> {
    await this.db.manager.insert(ConsoleSessionEntity, { idHash, ...session, createdAt: new Date() });
    this.cleanUpNowAndThen();
  }

  async find(idHash: string): Promise<StoredAdminSession | undefined> {
    const row = await this.db.manager.findOneBy(ConsoleSessionEntity, { idHash });
    if (!row || row.expiresAt.getTime() <= Date.now()) return undefined;
    return { csrfToken: row.csrfToken, tokenFingerprint: row.tokenFingerprint, expiresAt: row.expiresAt };
  }

  async remove(idHash: string): Promise<void> {
    await this.db.manager.delete(ConsoleSessionEntity, { idHash });
  }

  private cleanUpNowAndThen(): void {
    const now = Date.now();
    if (now - this.lastCleanup < CLEANUP_EVERY_MS) return;
    this.lastCleanup = now;
    void this.db.manager.delete(ConsoleSessionEntity, { expiresAt: LessThan(new Date(now)) }).catch(() => undefined);
  }
}
