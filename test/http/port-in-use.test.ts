import BetterSqlite3 from 'better-sqlite3';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/lib/logger.js';
import { startService } from '../../src/app/start-service.js';
import { freshDatabase } from '../support/databases.js';
import { testServiceConfig } from '../support/test-service.js';

describe('starting on a port that is already taken', () => {
  it('fails with a message naming the address and the way out, and leaves nothing open behind it', async () => {
    const squatter = createServer((_, response) => response.end('not oncall-im'));
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as AddressInfo;
    const database = await freshDatabase('sqlite', 'port-in-use');
    try {
      await expect(startService(testServiceConfig(database, { port }), createLogger('silent'))).rejects.toThrow(
        `cannot listen on 127.0.0.1:${port}: the port is already in use (set PORT / HOST to change it)`,
      );
      // The database was migrated and then closed again: another process may open it for writing at once.
      if (database.kind !== 'sqlite') throw new Error('expected SQLite');
      const sqlite = new BetterSqlite3(database.file);
      try {
        sqlite.pragma('locking_mode = EXCLUSIVE');
        sqlite.exec('BEGIN EXCLUSIVE; COMMIT;');
        expect(Number((sqlite.prepare('SELECT COUNT(*) AS n FROM channels').get() as { n: number }).n)).toBe(0);
      } finally {
        sqlite.close();
      }
      // The other server still answers.
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('not oncall-im');
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
