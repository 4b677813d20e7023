import { createHash, randomUUID } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import { computeJobState, toJobId } from 'agenda';
import type {
  DebounceOptions,
  JobId,
  JobParameters,
  JobRepository,
  JobRepositoryOptions,
  JobsOverview,
  JobsQueryOptions,
  JobsResult,
  JobsSort,
  JobWithState,
  RemoveJobsOptions,
} from 'agenda';
import { isUniqueViolation, type Database } from '../../db/database.js';
import { AgendaJobEntity, type AgendaJobRow } from '../../db/entities/agenda-job.entity.js';
import { dataMatches, hasCriteria, matchesCriteria } from './job-matching.js';

/** unique_key of the one `type: 'single'` job a name may have (every()); unique() keys are 64-hex hashes. */
const SINGLE_KEY = 'single';
const UNIQUE_KEY_INDEX = { name: 'uq_agenda_jobs_unique_key', columns: 'agenda_jobs.unique_key' };
/** Rows tried per poll before looking again: a few, so two pollers racing for the same first row both get one. */
const CANDIDATES = 5;
const UPSERT_ATTEMPTS = 5;
const CHUNK = 500;
const MAX_FAIL_REASON = 8000;
const NUMERIC = /^\d+(\.\d+)?$/;

type Props = Omit<JobParameters, '_id' | 'unique' | 'uniqueOpts'>;

function dateOrNull(value: Date | string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(value);
}

function serializeData(data: unknown): string | null {
  return data === undefined ? null : JSON.stringify(data);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function uniqueKeyOf(unique: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(unique)).digest('hex');
}

export function rowToJob(row: AgendaJobRow): JobParameters {
  return {
    _id: toJobId(row.id),
    name: row.name,
    priority: row.priority,
    nextRunAt: row.nextRunAt,
    type: row.type,
    lockedAt: row.lockedAt ?? undefined,
    lastRunAt: row.lastRunAt ?? undefined,
    lastFinishedAt: row.lastFinishedAt ?? undefined,
    failedAt: row.failedAt ?? undefined,
    failCount: row.failCount ?? undefined,
    failReason: row.failReason ?? undefined,
    repeatInterval: row.repeatInterval === null ? undefined : NUMERIC.test(row.repeatInterval) ? Number(row.repeatInterval) : row.repeatInterval,
    repeatTimezone: row.repeatTimezone ?? undefined,
    repeatAt: row.repeatAt ?? undefined,
    startDate: row.startDate ?? undefined,
    endDate: row.endDate ?? undefined,
    skipDays: row.skipDays === null ? undefined : (JSON.parse(row.skipDays) as number[]),
    disabled: row.disabled,
    progress: row.progress ?? undefined,
    fork: row.fork,
    data: row.data === null ? undefined : JSON.parse(row.data),
    debounceStartedAt: row.debounceStartedAt ?? undefined,
    lastModifiedBy: row.lastModifiedBy ?? undefined,
  };
}

/** The columns a save() (user code) may set: scheduling and configuration, never the processor's run state. */
function configColumns(props: Props, lastModifiedBy: string | undefined): Partial<AgendaJobRow> {
  return {
    priority: props.priority ?? 0,
    type: props.type ?? 'normal',
    repeatInterval: props.repeatInterval === undefined || props.repeatInterval === null ? null : String(props.repeatInterval),
    repeatTimezone: props.repeatTimezone ?? null,
    repeatAt: props.repeatAt ?? null,
    startDate: dateOrNull(props.startDate),
    endDate: dateOrNull(props.endDate),
    skipDays: props.skipDays ? JSON.stringify(props.skipDays) : null,
    disabled: props.disabled ?? false,
    fork: props.fork ?? false,
    data: serializeData(props.data),
    lastModifiedBy: lastModifiedBy ?? null,
  };
}

/** The columns the job processor owns (run state). */
function stateColumns(job: Partial<JobParameters>): Partial<AgendaJobRow> {
  return {
    lockedAt: dateOrNull(job.lockedAt),
    nextRunAt: dateOrNull(job.nextRunAt),
    lastRunAt: dateOrNull(job.lastRunAt),
    lastFinishedAt: dateOrNull(job.lastFinishedAt),
    failedAt: dateOrNull(job.failedAt),
    failCount: job.failCount ?? null,
    failReason: job.failReason === undefined || job.failReason === null ? null : String(job.failReason).slice(0, MAX_FAIL_REASON),
    progress: job.progress ?? null,
  };
}

/** nextRunAt and debounceStartedAt of a debounced unique() save, given the job already stored (if any). */
function debounced(
  debounce: DebounceOptions,
  existing: AgendaJobRow | null,
  requested: Date | null,
  now: Date,
): { nextRunAt: Date | null; debounceStartedAt: Date | null } {
  const leading = debounce.strategy === 'leading';
  if (!existing) return leading ? { nextRunAt: requested, debounceStartedAt: now } : { nextRunAt: new Date(now.getTime() + debounce.delay), debounceStartedAt: now };
  const started = existing.debounceStartedAt ?? now;
  const elapsed = now.getTime() - started.getTime();
  if (leading) {
    // Within the window the first call's run stands; after it, a save opens a new window and runs again.
    if (existing.debounceStartedAt && elapsed < debounce.delay) return { nextRunAt: existing.nextRunAt, debounceStartedAt: started };
    return { nextRunAt: requested, debounceStartedAt: now };
  }
  if (debounce.maxWait !== undefined && elapsed >= debounce.maxWait) return { nextRunAt: now, debounceStartedAt: null };
  return { nextRunAt: new Date(now.getTime() + debounce.delay), debounceStartedAt: started };
}

function compareNullable(a: number | string | undefined, b: number | string | undefined, direction: 'asc' | 'desc'): number {
  if (a === b) return 0;
  if (a === undefined) return 1; // missing values last, either direction
  if (b === undefined) return -1;
  const order = a < b ? -1 : 1;
  return direction === 'asc' ? order : -order;
}

function sortJobs(jobs: JobWithState[], sort: JobsSort | undefined): void {
  const keys: Array<[keyof JobsSort, 'asc' | 'desc']> = sort && Object.keys(sort).length
    ? (Object.entries(sort) as Array<[keyof JobsSort, 'asc' | 'desc']>)
    : [['nextRunAt', 'desc'], ['lastRunAt', 'desc']];
  const value = (job: JobWithState, key: keyof JobsSort): number | string | undefined => {
    switch (key) {
      case 'nextRunAt':
        return job.nextRunAt?.getTime();
      case 'lastRunAt':
        return job.lastRunAt?.getTime();
      case 'lastFinishedAt':
        return job.lastFinishedAt?.getTime();
      case 'priority':
        return job.priority;
      case 'name':
        return job.name;
      case 'data':
        return job.data === undefined ? undefined : JSON.stringify(job.data);
    }
  };
  jobs.sort((a, b) => {
    for (const [key, direction] of keys) {
      const order = compareNullable(value(a, key), value(b, key), direction);
      if (order !== 0) return order;
    }
    return 0;
  });
}

/**
 * Agenda's JobRepository on the project's TypeORM DataSource (SQLite or MariaDB), for running without Redis.
 *
 * Locking: a job is handed out by a conditional UPDATE that re-checks, on the row itself, the condition it was
 * selected by (unlocked and due, or its lock expired), and only the caller whose UPDATE changed the row owns it.
 * MariaDB row-locks the UPDATE and evaluates the WHERE on the latest committed row, so of two instances racing
 * for one job exactly one sees an affected row; SQLite writes one statement at a time. Writes on SQLite go
 * through Database.transaction, the one writer queue on the shared connection.
 */
export class TypeOrmJobRepository implements JobRepository {
  constructor(private readonly db: Database) {}

  async connect(): Promise<void> {
    // The DataSource is opened (and migrated) by the application; agenda never owns it.
  }

  private write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.isMysql ? work(this.db.manager) : this.db.transaction(work);
  }

  private get manager(): EntityManager {
    return this.db.manager;
  }

  private async findRow(id: string): Promise<AgendaJobRow | null> {
    return this.manager.findOneBy(AgendaJobEntity, { id });
  }

  async getJobById(id: string): Promise<JobParameters | null> {
    const row = await this.findRow(id.toString());
    return row ? rowToJob(row) : null;
  }

  async queryJobs(options: JobsQueryOptions = {}): Promise<JobsResult> {
    const { name, names, state, id, ids, search, data, includeDisabled = true, sort, skip = 0, limit = 0 } = options;
    const query = this.manager.createQueryBuilder(AgendaJobEntity, 'j');
    if (name !== undefined) query.andWhere('j.name = :name', { name });
    else if (names?.length) query.andWhere('j.name IN (:...names)', { names });
    if (id !== undefined) query.andWhere('j.id = :id', { id: id.toString() });
    else if (ids?.length) query.andWhere('j.id IN (:...ids)', { ids: ids.map(String) });
    if (!includeDisabled) query.andWhere('j.disabled = :off', { off: false });
    const now = new Date();
    const jobs: JobWithState[] = (await query.getMany())
      .map(rowToJob)
      .filter((job) => search === undefined || job.name.toLowerCase().includes(search.toLowerCase()))
      .filter((job) => data === undefined || dataMatches(job.data, data))
      .map((job) => ({ ...job, _id: job._id as JobId, state: computeJobState(job, now) }))
      .filter((job) => !state || (state === 'paused' ? job.disabled === true : job.state === state));
    sortJobs(jobs, sort);
    const page = limit > 0 ? jobs.slice(skip, skip + limit) : jobs.slice(skip);
    return { jobs: page, total: jobs.length };
  }

  async getJobsOverview(): Promise<JobsOverview[]> {
    const now = new Date();
    const overviews = new Map<string, JobsOverview>();
    for (const row of await this.manager.find(AgendaJobEntity)) {
      const job = rowToJob(row);
      let overview = overviews.get(job.name);
      if (!overview) {
        overview = { name: job.name, total: 0, running: 0, scheduled: 0, queued: 0, completed: 0, failed: 0, repeating: 0, paused: 0 };
        overviews.set(job.name, overview);
      }
      overview.total++;
      overview[computeJobState(job, now)]++;
      if (job.disabled) overview.paused++;
    }
    return [...overviews.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async getDistinctJobNames(): Promise<string[]> {
    const rows = await this.manager.createQueryBuilder(AgendaJobEntity, 'j').select('j.name', 'name').distinct(true).getRawMany<{ name: string }>();
    return rows.map((row) => row.name).sort();
  }

  async getQueueSize(): Promise<number> {
    return this.manager.createQueryBuilder(AgendaJobEntity, 'j').where('j.nextRunAt < :now', { now: new Date() }).getCount();
  }

  /** Ids of the jobs the options select; id/name criteria in SQL, the data criterion on the decoded data. */
  private async selectIds(options: RemoveJobsOptions): Promise<string[]> {
    if (!hasCriteria(options)) return [];
    const query = this.manager.createQueryBuilder(AgendaJobEntity, 'j').select(['j.id', 'j.name', 'j.data']);
    if (options.id !== undefined) query.andWhere('j.id = :id', { id: options.id.toString() });
    if (options.ids?.length) query.andWhere('j.id IN (:...ids)', { ids: options.ids.map(String) });
    if (options.name !== undefined) query.andWhere('j.name = :name', { name: options.name });
    if (options.names?.length) query.andWhere('j.name IN (:...names)', { names: options.names });
    if (options.notNames?.length) query.andWhere('j.name NOT IN (:...notNames)', { notNames: options.notNames });
    const rows = await query.getMany();
    return rows
      .filter((row) => matchesCriteria({ _id: toJobId(row.id), name: row.name, data: row.data === null ? undefined : JSON.parse(row.data) }, options))
      .map((row) => row.id);
  }

  private async inChunks(ids: string[], work: (manager: EntityManager, chunk: string[]) => Promise<{ affected?: number | null }>): Promise<number> {
    let affected = 0;
    for (let start = 0; start < ids.length; start += CHUNK) {
      const chunk = ids.slice(start, start + CHUNK);
      affected += (await this.write((manager) => work(manager, chunk))).affected ?? 0;
    }
    return affected;
  }

  async removeJobs(options: RemoveJobsOptions): Promise<number> {
    const ids = await this.selectIds(options);
    return this.inChunks(ids, (manager, chunk) => manager.delete(AgendaJobEntity, { id: In(chunk) }));
  }

  async disableJobs(options: RemoveJobsOptions): Promise<number> {
    const ids = await this.selectIds(options);
    return this.inChunks(ids, (manager, chunk) => manager.update(AgendaJobEntity, { id: In(chunk) }, { disabled: true, updatedAt: new Date() }));
  }

  async enableJobs(options: RemoveJobsOptions): Promise<number> {
    const ids = await this.selectIds(options);
    return this.inChunks(ids, (manager, chunk) => manager.update(AgendaJobEntity, { id: In(chunk) }, { disabled: false, updatedAt: new Date() }));
  }

  async purgeAllJobs(): Promise<number> {
    const result = await this.write((manager) => manager.createQueryBuilder().delete().from(AgendaJobEntity).execute());
    return result.affected ?? 0;
  }

  async saveJob<DATA = unknown>(job: JobParameters<DATA>, options: JobRepositoryOptions | undefined): Promise<JobParameters<DATA>> {
    const { _id, unique, uniqueOpts, ...props } = job;
    const by = options?.lastModifiedBy;
    if (_id) return (await this.updateById(_id.toString(), props, by)) ?? job;
    if (props.type === 'single') return (await this.upsertSingle(props, by)) as JobParameters<DATA>;
    if (unique) return (await this.upsertUnique(props, unique, uniqueOpts?.insertOnly === true, uniqueOpts?.debounce, by)) as JobParameters<DATA>;
    return (await this.insert(props, null, by)) as JobParameters<DATA>;
  }

  private async insert(props: Props, uniqueKey: string | null, by: string | undefined, overrides: Partial<AgendaJobRow> = {}): Promise<JobParameters> {
    const now = new Date();
    const row = {
      id: randomUUID(),
      name: props.name,
      ...configColumns(props, by),
      ...stateColumns(props),
      uniqueKey,
      debounceStartedAt: dateOrNull(props.debounceStartedAt),
      createdAt: now,
      updatedAt: now,
      ...overrides,
    } as AgendaJobRow;
    await this.write((manager) => manager.insert(AgendaJobEntity, row));
    return rowToJob(row);
  }

  /** A job saved again by user code: its schedule and configuration change, its run state stays. */
  private async updateById<DATA>(id: string, props: Props, by: string | undefined): Promise<JobParameters<DATA> | null> {
    const values: Partial<AgendaJobRow> = { ...configColumns(props, by), nextRunAt: dateOrNull(props.nextRunAt), updatedAt: new Date() };
    // job.fail(...).save() sets these explicitly; otherwise they belong to the processor.
    if (props.failReason !== undefined) values.failReason = String(props.failReason).slice(0, MAX_FAIL_REASON);
    if (props.failCount !== undefined) values.failCount = props.failCount;
    if (props.failedAt !== undefined) values.failedAt = dateOrNull(props.failedAt);
    const result = await this.write((manager) => manager.update(AgendaJobEntity, { id, name: props.name }, values));
    if (!result.affected) return null;
    const row = await this.findRow(id);
    return row ? (rowToJob(row) as JobParameters<DATA>) : null;
  }

  /**
   * Inserts the job under (name, uniqueKey) or, when one is there, lets `update` change it. The unique index
   * settles concurrent first saves: the loser of the insert updates the winner's row.
   */
  private async upsert(
    props: Props,
    uniqueKey: string,
    by: string | undefined,
    onInsert: () => Partial<AgendaJobRow>,
    update: (existing: AgendaJobRow) => Promise<boolean | 'unchanged'>,
  ): Promise<JobParameters> {
    for (let attempt = 1; attempt <= UPSERT_ATTEMPTS; attempt++) {
      const existing = await this.manager.findOneBy(AgendaJobEntity, { name: props.name, uniqueKey });
      if (!existing) {
        try {
          return await this.insert(props, uniqueKey, by, onInsert());
        } catch (error) {
          if (isUniqueViolation(error, UNIQUE_KEY_INDEX)) continue;
          throw error;
        }
      }
      const updated = await update(existing);
      if (updated === 'unchanged') return rowToJob(existing);
      if (updated) {
        const row = await this.findRow(existing.id);
        if (row) return rowToJob(row);
      }
    }
    throw new Error(`agenda job '${props.name}' could not be saved: its unique row kept changing`);
  }

  /** every(): one job per name. A nextRunAt of now or earlier keeps the stored schedule (a restart re-declaring it). */
  private upsertSingle(props: Props, by: string | undefined): Promise<JobParameters> {
    const requested = dateOrNull(props.nextRunAt);
    const protect = requested !== null && requested.getTime() <= Date.now();
    return this.upsert(
      props,
      SINGLE_KEY,
      by,
      () => ({}),
      async (existing) => {
        const result = await this.write((manager) =>
          manager
            .createQueryBuilder()
            .update(AgendaJobEntity)
            .set({
              ...configColumns(props, by),
              nextRunAt: protect ? () => 'COALESCE(next_run_at, :requestedNextRunAt)' : requested,
              updatedAt: new Date(),
            })
            .setParameter('requestedNextRunAt', requested)
            .where('id = :id', { id: existing.id })
            .execute(),
        );
        return (result.affected ?? 0) > 0;
      },
    );
  }

  private upsertUnique(
    props: Props,
    unique: Record<string, unknown>,
    insertOnly: boolean,
    debounce: DebounceOptions | undefined,
    by: string | undefined,
  ): Promise<JobParameters> {
    const requested = dateOrNull(props.nextRunAt);
    return this.upsert(
      props,
      uniqueKeyOf(unique),
      by,
      () => (debounce ? debounced(debounce, null, requested, new Date()) : {}),
      async (existing) => {
        if (insertOnly && !debounce) return 'unchanged';
        const schedule = debounce ? debounced(debounce, existing, requested, new Date()) : { nextRunAt: requested, debounceStartedAt: null };
        const result = await this.write((manager) =>
          manager.update(AgendaJobEntity, { id: existing.id }, { ...configColumns(props, by), ...schedule, updatedAt: new Date() }),
        );
        return (result.affected ?? 0) > 0;
      },
    );
  }

  async saveJobState(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<void> {
    if (!job._id) throw new Error('Cannot save job state without job ID');
    const result = await this.write((manager) =>
      manager.update(
        AgendaJobEntity,
        { id: job._id!.toString(), name: job.name },
        { ...stateColumns(job), lastModifiedBy: options?.lastModifiedBy ?? null, updatedAt: new Date() },
      ),
    );
    if (result.affected !== 1) {
      throw new Error(`job ${job._id} (name: ${job.name}) cannot be updated in the database, maybe it does not exist anymore?`);
    }
  }

  async lockJob(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<JobParameters | undefined> {
    if (!job._id) return undefined;
    const id = job._id.toString();
    const nextRunAt = dateOrNull(job.nextRunAt);
    const result = await this.write((manager) =>
      manager
        .createQueryBuilder()
        .update(AgendaJobEntity)
        .set({ lockedAt: new Date(), lastModifiedBy: options?.lastModifiedBy ?? null, updatedAt: new Date() })
        .where('id = :id AND name = :name AND locked_at IS NULL AND disabled = :off', { id, name: job.name, off: false })
        .andWhere(nextRunAt ? 'next_run_at = :nextRunAt' : 'next_run_at IS NULL', { nextRunAt })
        .execute(),
    );
    if (result.affected !== 1) return undefined;
    const row = await this.findRow(id);
    return row ? rowToJob(row) : undefined;
  }

  /** Releases a job held but not started; one being run (nextRunAt already cleared) keeps its lock. */
  async unlockJob(job: JobParameters): Promise<void> {
    if (!job._id) return;
    await this.unlockJobs([job._id]);
  }

  async unlockJobs(jobIds: (JobId | string)[]): Promise<void> {
    const ids = jobIds.map(String);
    await this.inChunks(ids, (manager, chunk) =>
      manager
        .createQueryBuilder()
        .update(AgendaJobEntity)
        .set({ lockedAt: null })
        .where('id IN (:...ids) AND next_run_at IS NOT NULL', { ids: chunk })
        .execute(),
    );
  }

  async getNextJobToRun(
    jobName: string,
    nextScanAt: Date,
    lockDeadline: Date,
    now: Date | undefined,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    const lockedAt = now ?? new Date();
    const runnable = '((locked_at IS NULL AND next_run_at <= :nextScanAt) OR locked_at <= :lockDeadline)';
    const parameters = { name: jobName, off: false, nextScanAt, lockDeadline };
    for (let round = 0; round < 3; round++) {
      const candidates = await this.manager
        .createQueryBuilder(AgendaJobEntity, 'j')
        .select('j.id', 'id')
        .where('j.name = :name AND j.disabled = :off', parameters)
        .andWhere('((j.lockedAt IS NULL AND j.nextRunAt <= :nextScanAt) OR j.lockedAt <= :lockDeadline)', parameters)
        .orderBy('j.nextRunAt', 'ASC')
        .addOrderBy('j.priority', 'DESC')
        .limit(CANDIDATES)
        .getRawMany<{ id: string }>();
      if (candidates.length === 0) return undefined;
      for (const { id } of candidates) {
        // The claim: only the UPDATE that still finds the row runnable takes it.
        const result = await this.write((manager) =>
          manager
            .createQueryBuilder()
            .update(AgendaJobEntity)
            .set({ lockedAt, lastModifiedBy: options?.lastModifiedBy ?? null, updatedAt: new Date() })
            .where(`id = :id AND name = :name AND disabled = :off AND ${runnable}`, { ...parameters, id })
            .execute(),
        );
        if (result.affected !== 1) continue;
        const row = await this.findRow(id);
        if (row) return rowToJob(row);
      }
    }
    return undefined;
  }
}
