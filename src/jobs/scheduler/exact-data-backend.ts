import type {
  AgendaBackend,
  JobId,
  JobLogger,
  JobParameters,
  JobRepository,
  JobRepositoryOptions,
  JobsOverview,
  JobsQueryOptions,
  JobsResult,
  NotificationChannel,
  RemoveJobsOptions,
} from 'agenda';
import { dataMatches, hasCriteria, matchesCriteria } from './job-matching.js';

/**
 * A JobRepository whose `data` criteria mean what the TypeORM one means (job-matching.ts: field by field),
 * around one whose matching is looser. @agendajs/redis-backend matches `data` as a substring of the stored JSON,
 * so `cancel({ data: { incidentId: 1 } })` would also cancel incident 12's jobs and misses when the key order
 * differs. The selection is redone here and the inner repository is handed exact ids.
 */
export class ExactDataRepository implements JobRepository {
  constructor(private readonly inner: JobRepository) {}

  connect(): Promise<void> {
    return this.inner.connect();
  }

  /** Ids of the jobs the options select, read through the inner repository's query. */
  private async selectIds(options: RemoveJobsOptions): Promise<string[]> {
    if (!hasCriteria(options)) return [];
    const query: JobsQueryOptions = {};
    if (options.id !== undefined) query.id = options.id.toString();
    else if (options.ids?.length) query.ids = options.ids.map(String);
    else if (options.name !== undefined) query.name = options.name;
    else if (options.names?.length) query.names = options.names;
    const { jobs } = await this.inner.queryJobs(query);
    return jobs.filter((job) => matchesCriteria(job, options)).map((job) => job._id.toString());
  }

  private async withSelection(options: RemoveJobsOptions, action: (selection: RemoveJobsOptions) => Promise<number>): Promise<number> {
    if (options.data === undefined) return action(options);
    const ids = await this.selectIds(options);
    return ids.length === 0 ? 0 : action({ ids });
  }

  removeJobs(options: RemoveJobsOptions): Promise<number> {
    return this.withSelection(options, (selection) => this.inner.removeJobs(selection));
  }

  disableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.withSelection(options, (selection) => this.inner.disableJobs(selection));
  }

  enableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.withSelection(options, (selection) => this.inner.enableJobs(selection));
  }

  async queryJobs(options: JobsQueryOptions = {}): Promise<JobsResult> {
    if (options.data === undefined) return this.inner.queryJobs(options);
    const { data, skip = 0, limit = 0, ...rest } = options;
    const { jobs } = await this.inner.queryJobs(rest);
    const matching = jobs.filter((job) => dataMatches(job.data, data));
    return { jobs: limit > 0 ? matching.slice(skip, skip + limit) : matching.slice(skip), total: matching.length };
  }

  getJobsOverview(): Promise<JobsOverview[]> {
    return this.inner.getJobsOverview();
  }

  getDistinctJobNames(): Promise<string[]> {
    return this.inner.getDistinctJobNames();
  }

  getJobById(id: string): Promise<JobParameters | null> {
    return this.inner.getJobById(id);
  }

  getQueueSize(): Promise<number> {
    return this.inner.getQueueSize();
  }

  saveJob<DATA = unknown>(job: JobParameters<DATA>, options: JobRepositoryOptions | undefined): Promise<JobParameters<DATA>> {
    return this.inner.saveJob(job, options);
  }

  saveJobState(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<void> {
    return this.inner.saveJobState(job, options);
  }

  lockJob(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<JobParameters | undefined> {
    return this.inner.lockJob(job, options);
  }

  unlockJob(job: JobParameters): Promise<void> {
    return this.inner.unlockJob(job);
  }

  unlockJobs(jobIds: (JobId | string)[]): Promise<void> {
    return this.inner.unlockJobs(jobIds);
  }

  getNextJobToRun(jobName: string, nextScanAt: Date, lockDeadline: Date, now: Date | undefined, options: JobRepositoryOptions | undefined): Promise<JobParameters | undefined> {
    return this.inner.getNextJobToRun(jobName, nextScanAt, lockDeadline, now, options);
  }

  purgeAllJobs(): Promise<number> {
    return this.inner.purgeAllJobs();
  }
}

/** The same backend, its repository wrapped in ExactDataRepository; connection, notifications and logger unchanged. */
export class ExactDataBackend implements AgendaBackend {
  readonly repository: JobRepository;

  constructor(private readonly inner: AgendaBackend) {
    this.repository = new ExactDataRepository(inner.repository);
  }

  get name(): string {
    return this.inner.name;
  }

  get notificationChannel(): NotificationChannel | undefined {
    return this.inner.notificationChannel;
  }

  get logger(): JobLogger | undefined {
    return this.inner.logger;
  }

  get ownsConnection(): boolean | undefined {
    return this.inner.ownsConnection;
  }

  connect(): Promise<void> {
    return this.inner.connect();
  }

  disconnect(): Promise<void> {
    return this.inner.disconnect();
  }
}
