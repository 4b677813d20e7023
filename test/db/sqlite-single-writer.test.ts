/**
 * SQLite has one connection: a statement issued outside a transaction while another flow's transaction is open would
 * run inside it, and be lost when that transaction rolls back. Writes outside db.transaction must wait their turn.
 */
import { ChannelEntity } from '../../src/db/entities/channel.entity.js';
import { Database } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/data-source.js';
import { freshDatabase } from '../support/databases.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SQLite: a write outside a transaction is never swallowed by another flow rolling back', () => {
  let db: Database;
  beforeAll(async () => {
    db = new Database(await openDatabase(await freshDatabase('sqlite', 'single_writer')));
  });
  afterAll(async () => {
    await db?.close();
  });

  it('keeps a channel inserted while another transaction is open and then rolls back', async () => {
    const now = new Date();
    let opened!: () => void;
    let issued!: () => void;
    const transactionOpen = new Promise<void>((resolve) => (opened = resolve));
    const outsideIssued = new Promise<void>((resolve) => (issued = resolve));
    const rolledBack = db
      .transaction(async (tx) => {
        await tx.insert(ChannelEntity, { name: 'doomed', description: '', timeZone: 'UTC', createdAt: now, updatedAt: now });
        opened();
        // The outside insert is issued while this transaction is open, and given time to run inside it if it may.
        await outsideIssued;
        await sleep(20);
        throw new Error('this flow fails');
      })
      .catch((error: Error) => error.message);
    await transactionOpen;
    const outside = db.manager.insert(ChannelEntity, { name: 'kept', description: '', timeZone: 'UTC', createdAt: now, updatedAt: now });
    issued();
    expect(await rolledBack).toBe('this flow fails');
    await outside;
    const names = (await db.manager.find(ChannelEntity)).map((channel) => channel.name);
    expect(names).toEqual(['kept']);
  });
});
