import { EntitySchema } from 'typeorm';
import { createdAtColumn, nullableTimestampColumn, updatedAtColumn } from './columns.js';

/**
 * One Agenda job in the embedded (no Redis) scheduler: the stored form of agenda's JobParameters.
 * `data` and `skipDays` are JSON text; the repository (src/jobs/scheduler) converts to and from JobParameters.
 */
export interface AgendaJobRow {
  id: string;
  name: string;
  priority: number;
  type: 'normal' | 'single';
  nextRunAt: Date | null;
  lockedAt: Date | null;
  lastRunAt: Date | null;
  lastFinishedAt: Date | null;
  failedAt: Date | null;
  failCount: number | null;
  failReason: string | null;
  repeatInterval: string | null;
  repeatTimezone: string | null;
  repeatAt: string | null;
  startDate: Date | null;
  endDate: Date | null;
  skipDays: string | null;
  disabled: boolean;
  progress: number | null;
  fork: boolean;
  data: string | null;
  /** 'single' for `type: 'single'` jobs, a hash of the `unique()` query for unique jobs, else null; unique per name. */
  uniqueKey: string | null;
  debounceStartedAt: Date | null;
  lastModifiedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const at = (name: string) => ({ ...nullableTimestampColumn, name });

export const AgendaJobEntity = new EntitySchema<AgendaJobRow>({
  name: 'AgendaJob',
  tableName: 'agenda_jobs',
  columns: {
    id: { type: 'varchar', length: 36, primary: true },
    name: { type: 'varchar', length: 200 },
    priority: { type: 'int' },
    type: { type: 'varchar', length: 16 },
    nextRunAt: at('next_run_at'),
    lockedAt: at('locked_at'),
    lastRunAt: at('last_run_at'),
    lastFinishedAt: at('last_finished_at'),
    failedAt: at('failed_at'),
    failCount: { type: 'int', nullable: true, name: 'fail_count' },
    failReason: { type: 'text', nullable: true, name: 'fail_reason' },
    repeatInterval: { type: 'varchar', length: 200, nullable: true, name: 'repeat_interval' },
    repeatTimezone: { type: 'varchar', length: 64, nullable: true, name: 'repeat_timezone' },
    repeatAt: { type: 'varchar', length: 200, nullable: true, name: 'repeat_at' },
    startDate: at('start_date'),
    endDate: at('end_date'),
    skipDays: { type: 'varchar', length: 32, nullable: true, name: 'skip_days' },
    disabled: { type: 'boolean' },
    progress: { type: 'double', nullable: true },
    fork: { type: 'boolean' },
    data: { type: 'text', nullable: true },
    uniqueKey: { type: 'varchar', length: 64, nullable: true, name: 'unique_key' },
    debounceStartedAt: at('debounce_started_at'),
    lastModifiedBy: { type: 'varchar', length: 200, nullable: true, name: 'last_modified_by' },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});
