import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The links an alert carried (an interactive card's "Open in Grafana" button, a post's link tags), kept apart from
 * the flattened text so the Details page can show them as links. JSON list of { text, url }; NULL when none.
 */
export class AlertLinks1764930000000 implements MigrationInterface {
  name = 'AlertLinks1764930000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('alerts', new TableColumn({ name: 'links', type: 'text', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('alerts', 'links');
  }
}
