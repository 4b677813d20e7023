import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A page whose sends failed through their retries (the IM down or throttling for a while) is sent again by the sweep
 * with growing backoff, and only the sends that failed: per undelivered step, how often it was tried and which sends
 * are still to go.
 */
export class EscalationRetries1764720000000 implements MigrationInterface {
  name = 'EscalationRetries1764720000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // JSON: step → { attempts, targets }; NULL when no page of the incident is waiting for a retry.
    await queryRunner.addColumn('incidents', new TableColumn({ name: 'escalation_retries', type: 'text', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('incidents', 'escalation_retries');
  }
}
