import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../config/config.js';
import { allMigrations } from '../../migrations/index.js';
import { allEntities } from './entities/index.js';

export function createDataSource(database: DatabaseConfig): DataSource {
  const common = { entities: allEntities, migrations: allMigrations, migrationsRun: false, synchronize: false, logging: false };
  if (database.kind === 'sqlite') {
    if (database.file !== ':memory:') mkdirSync(dirname(database.file), { recursive: true });
    return new DataSource({
      ...common,
      type: 'better-sqlite3',
      database: database.file,
      // WAL lets readers proceed while the single writer commits.
      prepareDatabase: (db: { pragma(statement: string): unknown }) => {
        db.pragma('journal_mode = WAL');
        db.pragma('busy_timeout = 5000');
      },
    });
  }
  return new DataSource({
    ...common,
    type: 'mysql',
    url: database.url,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    // trace: false spares a stack capture per query (measured ~10 % CPU on the ingest path).
    extra: { connectionLimit: 20, trace: false },
  });
}

/** Connects and applies pending migrations: the only way the schema changes. */
export async function openDatabase(database: DatabaseConfig): Promise<DataSource> {
  const dataSource = createDataSource(database);
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}
