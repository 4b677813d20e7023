import { Table, TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Email in and out: admin members (they hear about failing integrations), each member's ordered contact methods (the
 * IM-failure fallback), who last changed an integration, integration health (email checks, incoming and outgoing
 * successes and consecutive errors) and the account-level settings that hold the error thresholds.
 */
export class Email1764920000000 implements MigrationInterface {
  name = 'Email1764920000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('members', new TableColumn({ name: 'is_admin', type: 'boolean', default: false }));
    // JSON array such as ["im","email"]; NULL: the account's default order.
    await queryRunner.addColumn('members', new TableColumn({ name: 'contact_methods', type: 'varchar', length: '100', isNullable: true }));
    await queryRunner.addColumn('integrations', new TableColumn({ name: 'modified_by', type: 'varchar', length: '100', isNullable: true }));
    await queryRunner.createTable(
      new Table({
        name: 'integration_health',
        columns: [
          { name: 'integration_id', type: 'int', isPrimary: true },
          { name: 'last_incoming_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'last_outgoing_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'last_check_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'last_successful_check_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'last_incoming_error_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'last_incoming_error', type: 'varchar', length: '500', isNullable: true },
          { name: 'incoming_errors', type: 'int', default: 0 },
          { name: 'last_outgoing_error_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'last_outgoing_error', type: 'varchar', length: '500', isNullable: true },
          { name: 'outgoing_errors', type: 'int', default: 0 },
          { name: 'disabled_automatically_at', type: 'datetime', precision: 3, isNullable: true },
        ],
        // No foreign key: deleting an integration deletes its health row in the same service call.
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'account_settings',
        columns: [
          { name: 'id', type: 'int', isPrimary: true },
          { name: 'email_errors_notify_after', type: 'int' },
          { name: 'email_errors_disable_after', type: 'int' },
          { name: 'updated_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('account_settings');
    await queryRunner.dropTable('integration_health');
    await queryRunner.dropColumn('integrations', 'modified_by');
    await queryRunner.dropColumn('members', 'contact_methods');
    await queryRunner.dropColumn('members', 'is_admin');
  }
}
