import { DataSource } from 'typeorm';
import { allMigrations } from '../../migrations/index.js';
import type { DatabaseConfig } from '../../src/config/config.js';
import { createDataSource } from '../../src/db/data-source.js';

/** Undoes migrations newest first until `migration` itself is undone (later ones go first, as they depend on it). */
export async function undoMigrationsThrough(dataSource: DataSource, migration: (typeof allMigrations)[number]): Promise<void> {
  const index = allMigrations.indexOf(migration);
  if (index < 0) throw new Error(`${migration.name} is not in allMigrations`);
  for (let undo = allMigrations.length - index; undo > 0; undo--) await dataSource.undoLastMigration({ transaction: 'each' });
}

/** The database as the release before `migration` left it: every migration before it has run, it and later ones not. */
export async function openBeforeMigration(database: DatabaseConfig, migration: (typeof allMigrations)[number]): Promise<DataSource> {
  const index = allMigrations.indexOf(migration);
  if (index < 0) throw new Error(`${migration.name} is not in allMigrations`);
  const dataSource = new DataSource({ ...createDataSource(database).options, migrations: allMigrations.slice(0, index) });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}

/** The column names of `table` as the database has them. */
export async function tableColumns(dataSource: DataSource, table: string): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  try {
    return (await runner.getTable(table))!.columns.map((column) => column.name);
  } finally {
    await runner.release();
  }
}
