/** Replicas of one deployment starting together on an empty MariaDB database: the schema is built once, all start. */
import { createConnection } from 'mysql2/promise';
import { openDatabase } from '../../src/db/data-source.js';
import { allMigrations } from '../../migrations/index.js';
import { dropDatabase, freshDatabase } from '../support/databases.js';

describe('migrations applied by several instances at once (MariaDB)', () => {
  it('four instances opening one empty database together all start, and each migration is applied once', async () => {
    const database = await freshDatabase('mariadb', 'concurrent_migrations');
    try {
      const opened = await Promise.allSettled(Array.from({ length: 4 }, () => openDatabase(database)));
      const failures = opened.filter((result) => result.status === 'rejected').map((result) => String((result as PromiseRejectedResult).reason));
      expect(failures).toEqual([]);
      for (const result of opened) if (result.status === 'fulfilled') await result.value.destroy();

      const connection = await createConnection((database as { url: string }).url);
      try {
        const [rows] = await connection.query('SELECT name FROM migrations ORDER BY id');
        expect((rows as Array<{ name: string }>).map((row) => row.name)).toEqual(allMigrations.map((migration) => migration.name));
      } finally {
        await connection.end();
      }
    } finally {
      await dropDatabase(database);
    }
  }, 60_000);
});
