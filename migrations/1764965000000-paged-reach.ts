import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Whether a page reached each person paged for an incident (JSON object: name → "reached" | "not_reached"), so that
 * cards stop calling someone whose every message failed "paged". Incidents paged before this release have none: what
 * became of their pages is not known, and they read as before.
 */
export class PagedReach1764965000000 implements MigrationInterface {
  name = 'PagedReach1764965000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('incidents', new TableColumn({ name: 'paged_reach', type: 'text', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('incidents', 'paged_reach');
  }
}
