import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Integrations have a type (src/ingest/<type>/) and that type's own settings in one JSON column, so a second source
 * type (email) needs no columns of its own. The only Feishu-only column, signing_secret, moves into settings.
 * Written here as plain JSON rather than through the type's schema: a migration must not change when the code does.
 */
export class IntegrationSettings1764700000000 implements MigrationInterface {
  name = 'IntegrationSettings1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('integrations', new TableColumn({ name: 'settings', type: 'text', isNullable: true }));
    const rows: Array<{ id: number; signing_secret: string | null }> = await queryRunner.query('SELECT id, signing_secret FROM integrations');
    for (const row of rows) {
      await queryRunner.query('UPDATE integrations SET settings = ? WHERE id = ?', [JSON.stringify({ signingSecret: row.signing_secret }), row.id]);
    }
    await queryRunner.dropColumn('integrations', 'signing_secret');
    await queryRunner.changeColumn('integrations', 'settings', new TableColumn({ name: 'settings', type: 'text', isNullable: false }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const others: Array<{ type: string }> = await queryRunner.query("SELECT DISTINCT type FROM integrations WHERE type <> 'feishu'");
    if (others.length > 0) {
      throw new Error(`integrations of types ${others.map((row) => row.type).join(', ')} exist: delete them before going back to a Feishu-only schema`);
    }
    await queryRunner.addColumn('integrations', new TableColumn({ name: 'signing_secret', type: 'varchar', length: '255', isNullable: true }));
    const rows: Array<{ id: number; settings: string }> = await queryRunner.query('SELECT id, settings FROM integrations');
    for (const row of rows) {
      const secret = (JSON.parse(row.settings) as { signingSecret?: string | null }).signingSecret ?? null;
      await queryRunner.query('UPDATE integrations SET signing_secret = ? WHERE id = ?', [secret, row.id]);
    }
    await queryRunner.dropColumn('integrations', 'settings');
  }
}
