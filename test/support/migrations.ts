import type { DataSource } from 'typeorm';
import { allMigrations } from '../../migrations/index.js';

/** Undoes migrations newest first until `migration` itself is undone (later ones go first, as they depend on it). */
export async function undoMigrationsThrough(dataSource: DataSource, migration: (typeof allMigrations)[number]): Promise<void> {
  const index = allMigrations.indexOf(migration);
  if (index < 0) throw new Error(`${migration.name} is not in allMigrations`);
  for (let undo = allMigrations.length - index; undo > 0; undo--) await dataSource.undoLastMigration({ transaction: 'each' });
}
