import { hostname } from 'node:os';
import { Agenda, type AgendaBackend } from 'agenda';
import { RedisBackend } from '@agendajs/redis-backend';
import type { Database } from '../../db/database.js';
import type { Redis } from '../../lib/redis.js';
import { ExactDataBackend } from './exact-data-backend.js';
import { guardRedisNotificationChannel } from './redis-channel-guard.js';
import { TypeOrmBackend } from './typeorm-backend.js';

export const DEFAULT_REDIS_KEY_PREFIX = 'agenda:';
export const DEFAULT_LOCK_LIFETIME_MS = 60_000;

export interface CreateAgendaOptions {
  /** The application's database: the job store when there is no Redis. */
  db: Database;
  /** With it, jobs live in Redis (@agendajs/redis-backend). The client stays the caller's: stop() never closes it. */
  redis?: Redis;
  /** How often due jobs are looked for, e.g. '1 second' or 200 (ms). Default '1 second'. */
  processEvery?: string | number;
  /** This instance's name: recorded as lastModifiedBy, and the source of its Redis state events. Default host:pid. */
  name?: string;
  /**
   * How long a job stays locked to the instance that took it (ms). A handler running longer is cancelled unless it
   * calls job.touch(); a job held by an instance that died is handed to another one after this long. Default 60 s.
   */
  lockLifetime?: number;
  /** Delete one-time jobs once they succeed (failed ones stay, with failCount/failReason). Default true. */
  removeOnComplete?: boolean;
  /** Jobs one instance runs at once, in all (default 20) and per job name (default 5). */
  maxConcurrency?: number;
  defaultConcurrency?: number;
  /** Redis key prefix; the Pub/Sub channel is `${prefix}jobs`. Default 'agenda:'. */
  redisKeyPrefix?: string;
}

/** The backend createAgenda picks: Redis when a client is given, else the TypeORM store on `db`. */
export function createAgendaBackend(options: Pick<CreateAgendaOptions, 'db' | 'redis' | 'redisKeyPrefix'>): AgendaBackend {
  if (!options.redis) return new TypeOrmBackend(options.db);
  const keyPrefix = options.redisKeyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  const backend = new ExactDataBackend(new RedisBackend({ redis: options.redis, keyPrefix, channelName: `${keyPrefix}jobs` }));
  return connectingUntilRedisAnswers(backend, options.redis);
}

const CONNECT_RETRY_MS = 1000;

/**
 * Agenda's constructor calls backend.connect() and leaves its rejection unhandled, which would end the process if
 * Redis went away at that moment: connect() here retries until Redis answers instead, and never settles once the
 * client has been closed (agenda.start() then waits for ever, holding nothing that keeps the process alive).
 */
function connectingUntilRedisAnswers(backend: AgendaBackend, redis: Redis): AgendaBackend {
  const connect = backend.connect.bind(backend);
  backend.connect = async () => {
    for (;;) {
      try {
        return await connect();
      } catch {
        if (redis.status === 'end') return new Promise<void>(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, CONNECT_RETRY_MS).unref());
      }
    }
  };
  return backend;
}

/**
 * An Agenda 6 scheduler on Redis when there is one, else on the application's database. Define jobs, then
 * `await agenda.start()`; shut down with `await stopAgenda(agenda)`, before closing the database or Redis client.
 */
export function createAgenda(options: CreateAgendaOptions): Agenda {
  const backend = createAgendaBackend(options);
  const agenda = new Agenda({
    backend,
    name: options.name ?? `${hostname()}:${process.pid}`,
    processEvery: options.processEvery ?? '1 second',
    defaultLockLifetime: options.lockLifetime ?? DEFAULT_LOCK_LIFETIME_MS,
    removeOnComplete: options.removeOnComplete ?? true,
    maxConcurrency: options.maxConcurrency,
    defaultConcurrency: options.defaultConcurrency,
  });
  // The Redis channel's errors (its subscriber lost Redis) are reported as the scheduler's.
  guardRedisNotificationChannel(backend.notificationChannel, (error) => agenda.emit('error', error));
  return agenda;
}

/** What agenda's JobProcessor keeps, read by stopAgenda (agenda 6.2; checked by test/jobs/scheduler.test.ts). */
interface ProcessorInternals {
  runningJobs: Array<{ attrs: { _id?: unknown } }>;
  lockedJobs: Array<{ attrs: { _id?: unknown } }>;
  isJobQueueFilling?: Map<string, boolean>;
}

export interface StopResult {
  /** Handlers still running when the timeout ran out: their jobs stay locked until lockLifetime, then run again. */
  unfinished: number;
  /** Jobs a poll still in flight at stop() had locked, released here rather than after lockLifetime. */
  released: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Graceful shutdown. agenda.stop() stops polling and releases the jobs this instance locked ahead of their run,
 * but returns while handlers still run; agenda.drain() waits for them but keeps those locks (another instance
 * waits lockLifetime for them) and, with removeOnComplete, misses the end of the last job and waits out its
 * timeout. This does stop(), then waits for running handlers (up to timeoutMs) and for polls in flight, and
 * releases what those polls locked after stop().
 */
export async function stopAgenda(agenda: Agenda, timeoutMs = 30_000): Promise<StopResult> {
  const processor = (agenda as unknown as { jobProcessor?: Partial<ProcessorInternals> }).jobProcessor;
  const idOf = (job: { attrs: { _id?: unknown } }) => String(job.attrs._id);
  const known = processor && Array.isArray(processor.runningJobs) && Array.isArray(processor.lockedJobs);
  const releasedByStop = new Set(known ? processor.lockedJobs!.map(idOf) : []);
  await agenda.stop();
  if (!known) return { unfinished: 0, released: 0 };
  const { runningJobs, lockedJobs } = processor as ProcessorInternals;
  const deadline = Date.now() + timeoutMs;
  while ((runningJobs.length > 0 || (processor.isJobQueueFilling?.size ?? 0) > 0) && Date.now() < deadline) await sleep(20);
  const running = new Set(runningJobs.map(idOf));
  const leftovers = lockedJobs.map(idOf).filter((id) => !running.has(id) && !releasedByStop.has(id));
  if (leftovers.length > 0) await agenda.db.unlockJobs(leftovers);
  return { unfinished: runningJobs.length, released: leftovers.length };
}
