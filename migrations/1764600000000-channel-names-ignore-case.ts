import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Channel names are unique regardless of case on every database, as MariaDB's utf8mb4_unicode_ci collation already
 * makes them: SQLite's unique index compared them byte by byte, so "SRE" and "sre" could both exist there.
 */
export class ChannelNamesIgnoreCase1764600000000 implements MigrationInterface {
  name = 'ChannelNamesIgnoreCase1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'better-sqlite3') return;
    const clashes: Array<{ names: string }> = await queryRunner.query(
      'SELECT GROUP_CONCAT(name, \', \') AS names FROM channels GROUP BY name COLLATE NOCASE HAVING COUNT(*) > 1',
    );
    if (clashes.length > 0) {
      throw new Error(`channel names that differ only in case must be renamed first (PATCH /api/v1/channels/:id): ${clashes.map((clash) => clash.names).join('; ')}`);
    }
    await queryRunner.query('DROP INDEX "uq_channels_name"');
    await queryRunner.query('CREATE UNIQUE INDEX "uq_channels_name" ON "channels" ("name" COLLATE NOCASE)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'better-sqlite3') return;
    await queryRunner.query('DROP INDEX "uq_channels_name"');
    await queryRunner.query('CREATE UNIQUE INDEX "uq_channels_name" ON "channels" ("name")');
  }
}
