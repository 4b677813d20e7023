import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Escalation pages are delivered at least once: a taken step stays listed on its incident until its page has gone
 * out, so a crash between the step's commit and its delivery leaves it for the sweep to deliver again.
 */
export class EscalationDelivery1764500000000 implements MigrationInterface {
  name = 'EscalationDelivery1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('incidents', [
      // JSON list of the steps taken whose page is not known to be delivered yet; NULL when none.
      new TableColumn({ name: 'escalation_undelivered', type: 'text', isNullable: true }),
      // When the sweep delivers them again unless the delivering instance (renewing it while it works) is done first.
      new TableColumn({ name: 'escalation_redeliver_at', type: 'datetime', precision: 3, isNullable: true }),
    ]);
    await queryRunner.createIndex('incidents', new TableIndex({ name: 'ix_incidents_escalation_redeliver', columnNames: ['escalation_redeliver_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('incidents', 'ix_incidents_escalation_redeliver');
    await queryRunner.dropColumn('incidents', 'escalation_redeliver_at');
    await queryRunner.dropColumn('incidents', 'escalation_undelivered');
  }
}
