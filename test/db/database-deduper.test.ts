import { openDatabase } from '../../src/db/data-source.js';
import { Database } from '../../src/db/database.js';
import { DatabaseDeduper } from '../../src/db/database-deduper.js';
import { ProcessedEventEntity } from '../../src/db/entities/processed-event.entity.js';
import { DATABASE_KINDS, dropDatabase, freshDatabase } from '../support/databases.js';
import type { DatabaseConfig } from '../../src/config/config.js';

const DAY_MS = 24 * 3600 * 1000;

describe.each(DATABASE_KINDS)('DatabaseDeduper on %s', (kind) => {
  let config: DatabaseConfig;
  let db: Database;

  beforeAll(async () => {
    config = await freshDatabase(kind, 'database_deduper');
    db = new Database(await openDatabase(config));
  });
  afterAll(async () => {
    await db.close();
    await dropDatabase(config);
  });

  it('says "first" once per key, also across instances on one database', async () => {
    const one = new DatabaseDeduper(db);
    const other = new DatabaseDeduper(db);
    const answers = await Promise.all([one.firstSeen('feishu:ev-1'), other.firstSeen('feishu:ev-1'), one.firstSeen('feishu:ev-1')]);
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(await other.firstSeen('feishu:ev-2')).toBe(true);
  });

  it('drops keys older than a week in the background, keeping younger ones', async () => {
    await db.manager.insert(ProcessedEventEntity, [
      { eventKey: 'feishu:ancient', createdAt: new Date(Date.now() - 8 * DAY_MS) },
      { eventKey: 'feishu:recent', createdAt: new Date(Date.now() - 6 * DAY_MS) },
    ]);
    expect(await new DatabaseDeduper(db).firstSeen('feishu:ev-3')).toBe(true);

    const deadline = Date.now() + 5000;
    while ((await db.manager.existsBy(ProcessedEventEntity, { eventKey: 'feishu:ancient' })) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await db.manager.existsBy(ProcessedEventEntity, { eventKey: 'feishu:ancient' })).toBe(false);
    expect(await db.manager.existsBy(ProcessedEventEntity, { eventKey: 'feishu:recent' })).toBe(true);
    expect(await new DatabaseDeduper(db).firstSeen('feishu:recent')).toBe(false);
  });
});
