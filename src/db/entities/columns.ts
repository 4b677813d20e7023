import type { EntitySchemaColumnOptions } from 'typeorm';

/** Column shapes shared by every entity, so SQLite and MariaDB see the same types. */
export const idColumn: EntitySchemaColumnOptions = { type: 'integer', primary: true, generated: 'increment' };
export const timestampColumn: EntitySchemaColumnOptions = { type: 'datetime', precision: 3 };
export const nullableTimestampColumn: EntitySchemaColumnOptions = { type: 'datetime', precision: 3, nullable: true };
export const createdAtColumn: EntitySchemaColumnOptions = { ...timestampColumn, name: 'created_at' };
export const updatedAtColumn: EntitySchemaColumnOptions = { ...timestampColumn, name: 'updated_at' };
