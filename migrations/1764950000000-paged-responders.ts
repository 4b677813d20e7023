import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Cards name everyone who was paged for an incident, not only those who acted: the names paged by every level so far
 * are kept on the incident (JSON list), written in the same update that takes an escalation step.
 */
export class PagedResponders1764950000000 implements MigrationInterface {
  name = 'PagedResponders1764950000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('incidents', new TableColumn({ name: 'paged_responders', type: 'text', isNullable: true }));
    // Incidents paged before this release: the last level paged is what is known of them (same JSON list shape).
    await queryRunner.query('UPDATE incidents SET paged_responders = escalation_paged WHERE escalation_paged IS NOT NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('incidents', 'paged_responders');
  }
}
