import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Agenda, Job } from 'agenda';
import type { DatabaseConfig } from '../../src/config/config.js';
import { openDatabase } from '../../src/db/data-source.js';
import { Database } from '../../src/db/database.js';
import { createAgenda, stopAgenda } from '../../src/jobs/scheduler/create-agenda.js';
import { REDIS_TEST_URL, dropDatabase, freshDatabase } from '../support/databases.js';

/**
 * One suite, three stores: Redis (@agendajs/redis-backend), and the project's TypeORM store on SQLite and on MariaDB.
 * A "connection" stands for one process: its own Redis client or DataSource.
 */
type StoreKind = 'redis' | 'sqlite' | 'mariadb';

interface Connection {
  db: Database;
  redis?: Redis;
  close(): Promise<void>;
}

interface Store {
  open(): Promise<Connection>;
  /**
   * SQLite is one process's file: better-sqlite3 waits for a lock synchronously, so two DataSources on one file
   * in one process would block each other's event loop. Concurrent instances there share the one DataSource.
   */
  concurrentInstancesShareConnection: boolean;
  clear(): Promise<void>;
  dispose(): Promise<void>;
}

const REDIS_PREFIX = `oncall-test:${process.pid}:${randomUUID().slice(0, 8)}:agenda:`;

async function deleteRedisKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

async function databaseStore(kind: 'sqlite' | 'mariadb'): Promise<Store> {
  const config: DatabaseConfig = await freshDatabase(kind, 'scheduler');
  const main = new Database(await openDatabase(config));
  return {
    concurrentInstancesShareConnection: kind === 'sqlite',
    async open() {
      const db = new Database(await openDatabase(config));
      return { db, close: () => db.close() };
    },
    async clear() {
      await main.manager.query('DELETE FROM agenda_jobs');
    },
    async dispose() {
      await main.close();
      await dropDatabase(config);
    },
  };
}

async function redisStore(): Promise<Store> {
  // createAgenda always gets the application's database; with Redis it stays unused.
  const config = await freshDatabase('sqlite', 'scheduler_redis');
  const db = new Database(await openDatabase(config));
  const admin = new Redis(REDIS_TEST_URL);
  await deleteRedisKeys(admin, REDIS_PREFIX);
  return {
    concurrentInstancesShareConnection: false,
    async open() {
      const redis = new Redis(REDIS_TEST_URL);
      return { db, redis, close: async () => void (await redis.quit()) };
    },
    clear: () => deleteRedisKeys(admin, REDIS_PREFIX),
    async dispose() {
      await deleteRedisKeys(admin, REDIS_PREFIX);
      await admin.quit();
      await db.close();
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

const PROCESS_EVERY = 200;
// Short, so the liveness timer agenda starts per run (lockLifetime / 2) does not hold jest open; handlers here take < 1 s.
const LOCK_LIFETIME = 2000;

describe.each<StoreKind>(['redis', 'sqlite', 'mariadb'])('scheduler on %s', (kind) => {
  let store: Store;
  let connections: Connection[] = [];
  let agendas: Agenda[] = [];
  let errors: Error[] = [];
  const timings: string[] = [];

  beforeAll(async () => {
    store = kind === 'redis' ? await redisStore() : await databaseStore(kind);
  });
  afterAll(async () => {
    await store.dispose();
    console.log(`scheduler on ${kind}: ${timings.join('; ')}`);
  });
  afterEach(async () => {
    await Promise.all(agendas.map((agenda) => stopAgenda(agenda, 5000)));
    await Promise.all(connections.map((connection) => connection.close()));
    await store.clear();
    agendas = [];
    connections = [];
    errors = [];
  });

  async function connect(): Promise<Connection> {
    const connection = await store.open();
    connections.push(connection);
    return connection;
  }

  async function disconnect(connection: Connection): Promise<void> {
    connections = connections.filter((candidate) => candidate !== connection);
    await connection.close();
  }

  function agendaOn(connection: Connection, name: string, processEvery = PROCESS_EVERY): Agenda {
    const agenda = createAgenda({ db: connection.db, redis: connection.redis, redisKeyPrefix: REDIS_PREFIX, name, processEvery, lockLifetime: LOCK_LIFETIME });
    agenda.on('error', (error) => errors.push(error));
    agendas.push(agenda);
    return agenda;
  }

  const idOf = (job: Job<unknown>) => job.attrs._id!.toString();

  it('runs a job scheduled ahead once, on time, its date and data stored exactly', async () => {
    const agenda = agendaOn(await connect(), 'solo');
    const runs: Array<{ at: number; data: unknown }> = [];
    agenda.define('page', async (job: Job<unknown>) => void runs.push({ at: Date.now(), data: job.attrs.data }));
    await agenda.start();

    const due = new Date(Date.now() + 1500);
    const data = { incidentId: 42, step: 3, targets: ['ou_ü', 'ou_2'], detail: { urgent: true, note: null }, text: 'a "quoted" \\ line\n' };
    const job = await agenda.schedule(due, 'page', data);
    const stored = await agenda.db.getJobById(idOf(job));
    expect(stored?.nextRunAt?.getTime()).toBe(due.getTime());
    expect(stored?.data).toEqual(data);

    await waitFor('the run', () => runs.length > 0, 4000);
    await sleep(3 * PROCESS_EVERY + 100); // several more polls: still one run
    expect(runs).toHaveLength(1);
    const lateness = runs[0].at - due.getTime();
    timings.push(`lateness ${lateness} ms`);
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(1500);
    expect(runs[0].data).toEqual(data);
    await waitFor('removal on success', async () => (await agenda.db.getJobById(idOf(job))) === null, 2000);
    expect(errors).toEqual([]);
  });

  it('cancel({ name, data }) removes exactly the jobs whose data has those fields', async () => {
    const agenda = agendaOn(await connect(), 'solo');
    const ran: unknown[] = [];
    agenda.define('escalate', async (job: Job<unknown>) => void ran.push(job.attrs.data));
    await agenda.start();

    const due = new Date(Date.now() + 1000);
    await agenda.schedule(due, 'escalate', { incidentId: 1, step: 0 });
    await agenda.schedule(due, 'escalate', { incidentId: 1, step: 1 });
    await agenda.schedule(due, 'escalate', { incidentId: 12, step: 0 });
    await agenda.schedule(due, 'escalate', { incidentId: 21, step: 0 });
    await agenda.schedule(due, 'escalate', { incidentId: 30, step: 0 });
    await agenda.schedule(due, 'other', { incidentId: 1, step: 0 });

    expect(await agenda.cancel({ name: 'escalate', data: { incidentId: 1 } })).toBe(2);
    expect(await agenda.cancel({ name: 'escalate', data: { step: 0, incidentId: 21 } })).toBe(1); // key order does not matter
    expect(await agenda.cancel({ name: 'escalate', data: { incidentId: 99 } })).toBe(0);
    expect(await agenda.disable({ name: 'escalate', data: { incidentId: 30 } })).toBe(1);

    await waitFor('the remaining run', () => ran.length > 0, 3000);
    await sleep(3 * PROCESS_EVERY);
    expect(ran).toEqual([{ incidentId: 12, step: 0 }]);
    const others = await agenda.queryJobs({ name: 'other' });
    expect(others.jobs.map((job) => job.data)).toEqual([{ incidentId: 1, step: 0 }]);
    const disabled = await agenda.queryJobs({ name: 'escalate', state: 'paused' });
    expect(disabled.jobs.map((job) => job.data)).toEqual([{ incidentId: 30, step: 0 }]);
    expect(errors).toEqual([]);
  });

  it('disable/enable, names, queue size and purge select the same jobs on every store', async () => {
    const agenda = agendaOn(await connect(), 'solo'); // never started: nothing runs
    const past = new Date(Date.now() - 60_000);
    const future = new Date(Date.now() + 60_000);
    await agenda.schedule(past, 'alpha', { incidentId: 1 });
    await agenda.schedule(future, 'alpha', { incidentId: 2 });
    await agenda.schedule(past, 'beta', { incidentId: 1 });
    expect(await agenda.db.getDistinctJobNames()).toEqual(['alpha', 'beta']);
    expect(await agenda.db.getQueueSize()).toBe(2);
    expect(await agenda.disable({ name: 'alpha', data: { incidentId: 2 } })).toBe(1);
    expect((await agenda.queryJobs({ name: 'alpha', includeDisabled: false })).jobs.map((job) => job.data)).toEqual([{ incidentId: 1 }]);
    expect((await agenda.queryJobs({ data: { incidentId: 1 }, sort: { name: 'asc' } })).jobs.map((job) => job.name)).toEqual(['alpha', 'beta']);
    expect(await agenda.enable({ names: ['alpha'] })).toBe(2);
    expect((await agenda.queryJobs({ state: 'paused' })).total).toBe(0);
    expect(await agenda.cancel({ notNames: ['alpha'] })).toBe(1);
    expect(await agenda.cancelAll()).toBe(2);
    expect(await agenda.db.getDistinctJobNames()).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('two instances on one store run each due job exactly once', async () => {
    const first = await connect();
    const second = store.concurrentInstancesShareConnection ? first : await connect();
    const one = agendaOn(first, 'one');
    const two = agendaOn(second, 'two');
    const runs = new Map<number, string[]>();
    for (const [agenda, name] of [[one, 'one'], [two, 'two']] as const) {
      agenda.define('burst', async (job: Job<{ n: number }>) => {
        runs.set(job.attrs.data.n, [...(runs.get(job.attrs.data.n) ?? []), name]);
        await sleep(30);
      });
    }
    const due = new Date(Date.now() + 700);
    await Promise.all(Array.from({ length: 20 }, (_, n) => one.schedule(due, 'burst', { n })));
    await Promise.all([one.start(), two.start()]);

    const total = () => [...runs.values()].reduce((sum, by) => sum + by.length, 0);
    await waitFor('20 runs', () => total() >= 20, 6000);
    await sleep(4 * PROCESS_EVERY); // a second taker would show up by now
    expect(total()).toBe(20);
    expect([...runs.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    for (const by of runs.values()) expect(by).toHaveLength(1);
    const byOne = [...runs.values()].filter((by) => by[0] === 'one').length;
    timings.push(`burst split ${byOne}/${20 - byOne}`);
    expect(errors).toEqual([]);
  });

  it('getNextJobToRun hands each due job to exactly one of many racing callers', async () => {
    const first = await connect();
    const second = store.concurrentInstancesShareConnection ? first : await connect();
    const stores = [agendaOn(first, 'one').db, agendaOn(second, 'two').db];
    const agenda = agendas[0];
    const past = new Date(Date.now() - 1000);
    await Promise.all(Array.from({ length: 100 }, (_, n) => agenda.schedule(past, 'contended', { n })));
    const taken: string[] = [];
    const worker = async (repository: Agenda['db'], name: string) => {
      for (;;) {
        const now = new Date();
        const job = await repository.getNextJobToRun('contended', now, new Date(now.getTime() - 60_000), undefined, { lastModifiedBy: name });
        if (!job) return;
        taken.push(job._id!.toString());
      }
    };
    const started = Date.now();
    await Promise.all(stores.flatMap((repository, i) => Array.from({ length: 8 }, () => worker(repository, `worker-${i}`))));
    timings.push(`100 contended locks in ${Date.now() - started} ms`);
    expect(taken).toHaveLength(100);
    expect(new Set(taken).size).toBe(100);
    const { jobs } = await agenda.queryJobs({ name: 'contended' });
    expect(jobs.every((job) => job.lockedAt instanceof Date)).toBe(true);
  });

  it('a job scheduled before a stop runs after a restart, on a new connection', async () => {
    const before = await connect();
    const old = agendaOn(before, 'before');
    const ranBefore: unknown[] = [];
    old.define('restart', async (job: Job<unknown>) => void ranBefore.push(job.attrs.data));
    await old.start();
    const due = new Date(Date.now() + 800);
    await old.schedule(due, 'restart', { incidentId: 5 });
    await sleep(100);
    await stopAgenda(old);
    await disconnect(before);

    await sleep(due.getTime() + 300 - Date.now()); // down while it falls due
    const revived = agendaOn(await connect(), 'after');
    const ranAfter: Array<{ at: number; data: unknown }> = [];
    revived.define('restart', async (job: Job<unknown>) => void ranAfter.push({ at: Date.now(), data: job.attrs.data }));
    const started = Date.now();
    await revived.start();
    await waitFor('the run after restart', () => ranAfter.length > 0, 3000);
    await sleep(3 * PROCESS_EVERY);
    timings.push(`overdue job ran ${ranAfter[0].at - started} ms after start`);
    expect(ranBefore).toEqual([]);
    expect(ranAfter.map((run) => run.data)).toEqual([{ incidentId: 5 }]);
    expect(errors).toEqual([]);
  });

  it('stopAgenda() releases a job the instance had locked ahead of its run, for the next instance to run on time', async () => {
    const before = await connect();
    const old = agendaOn(before, 'before', 1000); // its first poll locks the job due within the second
    const ranBefore: unknown[] = [];
    old.define('handover', async (job: Job<unknown>) => void ranBefore.push(job.attrs.data));
    const due = new Date(Date.now() + 900);
    const job = await old.schedule(due, 'handover', { incidentId: 6 });
    await old.start();
    // Stopping as soon as the store shows the lock: the poll that took it may not have returned yet.
    await waitFor('the lock', async () => (await old.db.getJobById(idOf(job)))?.lockedAt !== undefined, 700);
    await stopAgenda(old);
    expect((await old.db.getJobById(idOf(job)))?.lockedAt).toBeUndefined();
    await disconnect(before);

    const revived = agendaOn(await connect(), 'after');
    const ranAfter: number[] = [];
    revived.define('handover', async () => void ranAfter.push(Date.now()));
    await revived.start();
    await waitFor('the run after handover', () => ranAfter.length > 0, 3000);
    await sleep(3 * PROCESS_EVERY);
    const lateness = ranAfter[0] - due.getTime();
    timings.push(`handover lateness ${lateness} ms`);
    expect(ranBefore).toEqual([]);
    expect(ranAfter).toHaveLength(1);
    expect(lateness).toBeLessThan(1500);
    expect(errors).toEqual([]);
  });

  it('a job locked by an instance that died runs elsewhere once the lock outlives lockLifetime', async () => {
    const connection = await connect();
    const crashed = agendaOn(connection, 'crashed'); // never started: it only takes the lock, as a process that then died
    const job = await crashed.schedule(new Date(Date.now() + 100), 'orphan', { incidentId: 11 });
    const scanAhead = new Date(Date.now() + 1000);
    const held = await crashed.db.getNextJobToRun('orphan', scanAhead, new Date(Date.now() - LOCK_LIFETIME), undefined, { lastModifiedBy: 'crashed' });
    expect(held?._id?.toString()).toBe(idOf(job));
    const lockedAt = held!.lockedAt!.getTime();

    const survivor = agendaOn(connection, 'survivor');
    const ran: number[] = [];
    survivor.define('orphan', async () => void ran.push(Date.now()));
    await survivor.start();
    await waitFor('the run after the lock expired', () => ran.length > 0, LOCK_LIFETIME + 3000);
    await sleep(3 * PROCESS_EVERY);
    timings.push(`orphan ran ${ran[0] - lockedAt} ms after its lock`);
    expect(ran).toHaveLength(1);
    expect(ran[0] - lockedAt).toBeGreaterThanOrEqual(LOCK_LIFETIME - 50);
    expect(ran[0] - lockedAt).toBeLessThan(LOCK_LIFETIME + 1500);
    expect(errors).toEqual([]);
  });

  it('a failing handler leaves failCount, failReason and failedAt on the job, unlocked and not retried', async () => {
    const agenda = agendaOn(await connect(), 'solo');
    let calls = 0;
    agenda.define('broken', async () => {
      calls++;
      throw new Error('pager unreachable');
    });
    await agenda.start();
    const job = await agenda.now('broken', { incidentId: 7 });
    await waitFor('the failure to be stored', async () => (await agenda.db.getJobById(idOf(job)))?.failCount === 1, 3000);
    await waitFor('the unlock', async () => (await agenda.db.getJobById(idOf(job)))?.lockedAt === undefined, 2000);

    const stored = await agenda.db.getJobById(idOf(job));
    expect(stored).toMatchObject({ failCount: 1, failReason: 'pager unreachable', nextRunAt: null, data: { incidentId: 7 } });
    expect(stored?.failedAt).toBeInstanceOf(Date);
    expect(stored?.lastFinishedAt?.getTime()).toBe(stored?.failedAt?.getTime());
    const { jobs } = await agenda.queryJobs({ name: 'broken' });
    expect(jobs.map((candidate) => candidate.state)).toEqual(['failed']);
    await sleep(3 * PROCESS_EVERY);
    expect(calls).toBe(1);
    expect(errors).toEqual([]);
  });

  it('stopAgenda() waits for the running jobs, whose results are stored before it returns', async () => {
    const agenda = agendaOn(await connect(), 'solo');
    let finished = false;
    let starts = 0;
    agenda.define('slow', async () => {
      starts++;
      await sleep(700);
      finished = true;
    });
    agenda.define('failing-slow', async () => {
      starts++;
      await sleep(500);
      throw new Error('gave up');
    });
    await agenda.start();
    const job = await agenda.now('slow', { incidentId: 8 });
    const failing = await agenda.now('failing-slow', { incidentId: 8 });
    await waitFor('both handlers to start', () => starts === 2, 3000);
    const stopping = Date.now();
    const result = await stopAgenda(agenda, 5000);
    timings.push(`stopAgenda waited ${Date.now() - stopping} ms`);
    expect(finished).toBe(true);
    expect(result).toEqual({ unfinished: 0, released: 0 });
    expect(await agenda.db.getJobById(idOf(job))).toBeNull(); // removed on success, already
    expect(await agenda.db.getJobById(idOf(failing))).toMatchObject({ failCount: 1, failReason: 'gave up', lockedAt: undefined });
    expect(errors).toEqual([]);
  });

  it('every() keeps one job per name and unique() one job per key', async () => {
    const agenda = agendaOn(await connect(), 'solo');
    await agenda.every('1 hour', 'tick', { version: 1 });
    await agenda.every('1 hour', 'tick', { version: 2 });
    const ticks = await agenda.queryJobs({ name: 'tick' });
    expect(ticks.jobs.map((job) => [job.data, job.repeatInterval])).toEqual([[{ version: 2 }, '1 hour']]);

    const first = new Date(Date.now() + 60_000);
    const later = new Date(Date.now() + 120_000);
    await agenda.create('step', { incidentId: 9, step: 1 }).unique({ 'data.incidentId': 9 }).schedule(first).save();
    await agenda.create('step', { incidentId: 9, step: 2 }).unique({ 'data.incidentId': 9 }).schedule(later).save();
    await agenda.create('step', { incidentId: 10, step: 1 }).unique({ 'data.incidentId': 10 }).schedule(first).save();
    const steps = await agenda.queryJobs({ name: 'step', sort: { nextRunAt: 'asc' } });
    expect(steps.jobs.map((job) => [job.data, job.nextRunAt?.getTime()])).toEqual([
      [{ incidentId: 10, step: 1 }, first.getTime()],
      [{ incidentId: 9, step: 2 }, later.getTime()],
    ]);
    expect(await agenda.getJobsOverview()).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'step', total: 2, scheduled: 2 }), expect.objectContaining({ name: 'tick', total: 1, repeating: 1 })]),
    );
    expect(errors).toEqual([]);
  });
});
