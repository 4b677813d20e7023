/**
 * Escalation timer benchmark: how late does the real service page level 2 when thousands of escalation steps fall
 * due within a few seconds of each other? Run once per scheduler backend:
 *
 *   redis      Agenda on @agendajs/redis-backend (Redis DB 14 by default), MariaDB as the application database
 *   embedded   Agenda on the project's TypeORM job store, SQLite file in a temp dir, no Redis
 *
 *   npm run bench:escalation
 *
 * Per backend: start the real service on a fresh database; create a channel, a member and a two-level escalation
 * rule through the admin API; create BENCH_INCIDENTS incidents through the Feishu-compatible endpoint of an
 * always_new integration, paced evenly over BENCH_SPREAD_SECONDS. Each new incident pages level 1 at once and
 * schedules level 2 at level-1 time + the level-1 wait (BENCH_SPREAD_SECONDS + BENCH_MARGIN_SECONDS), so the
 * level-2 steps fall due over a window as long as the creation, starting after it. Then wait (bounded) until
 * every level-2 step has fired and read the timeline:
 *
 *   due       = the incident's escalation_due_at, read from the database after level 1 and before level 2
 *               (it equals level-1 'escalated' createdAt + wait; checked)
 *   lateness  = level-2 'escalated' createdAt - due
 *
 * Then, on the same service, a second figure: the real capacity when BENCH_SAME_INSTANT level-2 steps fall due at
 * the same instant (an alert storm whose incidents all came within one 200 ms grid point). Another channel and
 * rule; its incidents are created over BENCH_SAME_INSTANT_CREATE_SECONDS, and once every one has paged level 1 their
 * due times are all set (in the database) to the earliest of them, T, for which a timer job is already stored. At T
 * the job fires every step due; reported: the time from T to the last firing, firings/s from the first firing to
 * the last (the capacity, not an offered rate), and lateness (firing - T).
 *
 * Environment (all optional):
 *   BENCH_INCIDENTS          incidents (= level-2 firings) per backend (default 10000)
 *   BENCH_SPREAD_SECONDS     creation window, hence the due-time window (default 25)
 *   BENCH_MARGIN_SECONDS     level-1 wait beyond the creation window (default 15)
 *   BENCH_CONCURRENCY        max requests in flight while creating (default 64)
 *   BENCH_FIRE_TIMEOUT       seconds after the last due time before giving up on unfired steps (default 120)
 *   BENCH_BACKENDS           comma list of redis,embedded (default both)
 *   BENCH_POLL_MS            config.schedulerPollMs (default: unset, i.e. the service default of 1000 ms)
 *   BENCH_SWEEP_SECONDS      config.escalationSweepSeconds (default 3600: the safety-net sweep, which fires steps
 *                            overdue by > 2 s, stays out of the way so the scheduler alone is measured)
 *   BENCH_MARIADB_URL        default mysql://root@127.0.0.1:3306 (127.0.0.1/localhost only)
 *   BENCH_REDIS_URL          default redis://127.0.0.1:6379/14 (127.0.0.1/localhost only); the scheduler runs
 *                            with redisKeyPrefix 'bench-escalation-<pid>:', whose keys are deleted before and after
 *   BENCH_SAME_INSTANT       level-2 steps due at the same instant, per backend (default 5000; 0 skips it)
 *   BENCH_SAME_INSTANT_CREATE_SECONDS  creation window of those incidents (default 10)
 *   BENCH_PROFILE=1          also time scheduler repository calls and EscalationService.fire from outside
 *
 * No chat platform is configured, so "paging" is the notifier's two member/identity queries and no message is sent.
 * Prints figures and exits 0 whether the targets are met or not (non-zero only if the run itself broke).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  BENCH_ADMIN_TOKEN,
  benchServiceConfig,
  FeishuAnswerTally,
  StageTimer,
  f0,
  f1,
  freshDatabases,
  intEnv,
  latencyFigures,
  mariadbRootUrl,
  percentile,
  perRequest,
  runInWorker,
  sqlStatus,
  startWatchdog,
  within,
} from './bench-support.js';

// ---------------------------------------------------------------------------------------------------------------
// Incident creation driver (runs inside a worker thread)
// ---------------------------------------------------------------------------------------------------------------

interface CreateSpec {
  port: number;
  path: string;
  label: string;
  count: number;
  /** Requests per second, open loop (each at its scheduled time), but never more than maxInFlight at once. */
  rate: number;
  maxInFlight: number;
  maxMs: number;
}

interface CreateResult {
  sent: number;
  ok: number;
  failed: number;
  failures: string[];
  elapsedMs: number;
  latenciesMs: number[];
  /** How far behind its schedule the worst request was sent (in-flight cap or a slow server). */
  maxFireLagMs: number;
}

async function createIncidents(spec: CreateSpec): Promise<CreateResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.maxInFlight, maxFreeSockets: spec.maxInFlight });
  const tally = new FeishuAnswerTally(agent, spec.port, spec.path);
  let sent = 0;
  let maxFireLagMs = 0;
  const inFlight = new Set<Promise<void>>();

  const one = (index: number): Promise<void> =>
    tally.postText(`[bench ${spec.label}] service-${index % 89} not answering (alert ${index}, ${new Date().toISOString()})`);

  const started = performance.now();
  const deadline = started + spec.maxMs;
  const intervalMs = 1000 / spec.rate;
  while (sent < spec.count && performance.now() < deadline) {
    const now = performance.now();
    while (sent < spec.count && started + sent * intervalMs <= now && inFlight.size < spec.maxInFlight) {
      maxFireLagMs = Math.max(maxFireLagMs, now - (started + sent * intervalMs));
      const pending = one(sent++);
      inFlight.add(pending);
      void pending.finally(() => inFlight.delete(pending));
    }
    if (inFlight.size >= spec.maxInFlight) await Promise.race(inFlight);
    else await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inFlight);
  const elapsedMs = performance.now() - started;
  agent.destroy();
  const { ok, failed, failures, latenciesMs } = tally;
  return { sent, ok, failed, failures, elapsedMs, latenciesMs, maxFireLagMs };
}

if (!isMainThread) {
  createIncidents(workerData as CreateSpec).then(
    (result) => parentPort!.postMessage({ result }),
    (error: unknown) => parentPort!.postMessage({ error: String((error as Error)?.stack ?? error) }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Orchestration (main thread)
// ---------------------------------------------------------------------------------------------------------------

type Backend = 'redis' | 'embedded';

/** Per process: two runs at once (other sessions on a shared host) must not drop each other's database. */
const SERVICE_DB = `oncall_bench_escalation_${process.pid}`;
/** The scheduler's Redis key prefix for this run (config.redisKeyPrefix): its keys never mix with anyone else's. */
const AGENDA_PREFIX = `bench-escalation-${process.pid}:`;
const TARGET_P99_MS: Record<Backend, number> = { redis: 1000, embedded: 2000 };
const LABEL: Record<Backend, string> = { redis: 'Redis + MariaDB', embedded: 'embedded (SQLite)' };
/** How long the service's stop() may take before the bench stops waiting for it. */
const STOP_BOUND_MS = 60_000;

interface Settings {
  incidents: number;
  sameInstant: number;
  sameInstantCreateSeconds: number;
  spreadSeconds: number;
  marginSeconds: number;
  waitSeconds: number;
  concurrency: number;
  fireTimeoutMs: number;
  pollMs?: number;
  sweepSeconds: number;
  redisUrl: string;
  profile: boolean;
}

/** The second figure: every step due at one instant T. */
interface SameInstantResult {
  steps: number;
  /** Steps whose due time was set to T (at level 1 when it was set). */
  atT: number;
  fired: number;
  /** From T to the last firing. */
  allFiredAfterMs: number;
  /** fired / (last firing - first firing). */
  firingsPerSecond: number;
  lateness: { p50: number; p99: number; max: number; mean: number };
  exactlyOnce: boolean;
  problems: string[];
}

interface BackendResult {
  backend: Backend;
  sameInstant?: SameInstantResult;
  created: CreateResult;
  incidents: number;
  level1DoneAfterMs: number | null;
  level1Late: number;
  dueCaptured: number;
  dueMismatch: number;
  dueWindowMs: number;
  fired: number;
  unfired: number;
  lateness: { p50: number; p99: number; max: number; mean: number };
  /** Lower bound of the lateness of steps not fired by the deadline (ms), if any. */
  unfiredLateAtLeastMs: number;
  burstMs: number;
  firingsPerSecond: number;
  offeredPerSecond: number;
  exactlyOnce: boolean;
  onceProblems: string[];
  decileP50s: number[];
  leftoverJobs: number;
  warnings: number;
  warningSamples: string[];
  diagnostics: string[];
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function localUrl(name: string, url: string): string {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost'].includes(host)) throw new Error(`${name} must point at 127.0.0.1, not ${host}`);
  return url;
}

/** A pino logger that writes nothing but counts warnings and errors (and keeps the first few). */
async function countingLogger() {
  const { pino } = await import('pino');
  const state = { count: 0, samples: [] as string[] };
  const logger = pino(
    { level: 'warn', base: null },
    {
      write(line: string) {
        state.count++;
        if (state.samples.length < 3) {
          let sample = line.trim();
          try {
            const entry = JSON.parse(sample) as { msg?: string; err?: { message?: string } };
            sample = `"${entry.msg ?? ''}"${entry.err?.message ? `: ${entry.err.message}` : ''}`;
          } catch {
            // not JSON: keep the line
          }
          state.samples.push(sample.slice(0, 200));
        }
      },
    },
  );
  return { logger, state };
}

async function deleteAgendaKeys(redis: import('ioredis').Redis): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  for (let round = 0; round < 100_000; round++) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${AGENDA_PREFIX}*`, 'COUNT', 1000);
    if (keys.length) deleted += await redis.del(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
  return deleted;
}

async function redisCounters(redis: import('ioredis').Redis): Promise<{ cpuSeconds: number; commands: Map<string, { calls: number; usec: number }> }> {
  const text = `${await redis.info('cpu')}\n${await redis.info('commandstats')}`;
  const value = (name: string) => Number(/^(\w+):([\d.]+)/m.exec(text.split('\n').find((line) => line.startsWith(`${name}:`)) ?? '')?.[2] ?? 0);
  const commands = new Map<string, { calls: number; usec: number }>();
  for (const match of text.matchAll(/^cmdstat_(\w+):calls=(\d+),usec=(\d+)/gm)) commands.set(match[1], { calls: Number(match[2]), usec: Number(match[3]) });
  return { cpuSeconds: value('used_cpu_sys') + value('used_cpu_user'), commands };
}

interface EscalatedEntry {
  incidentId: number;
  level: number;
  /** createdAt, ms since the epoch. */
  at: number;
}

/**
 * The 'escalated' timeline entries and the jobs left in the scheduler's store, read after the service stopped,
 * through the bench's own connections (the database is fresh: every entry belongs to this run).
 */
async function readOutcome(
  database: { kind: 'mysql'; url: string } | { kind: 'sqlite'; file: string },
  redis: import('ioredis').Redis | undefined,
): Promise<{ events: EscalatedEntry[]; leftoverJobs: number }> {
  const levelOf = (detail: unknown) => {
    try {
      return Number((typeof detail === 'string' ? JSON.parse(detail) : detail)?.level);
    } catch {
      return NaN;
    }
  };
  let events: EscalatedEntry[];
  let leftoverJobs = 0;
  if (database.kind === 'mysql') {
    const { createConnection } = await import('mysql2/promise');
    // DATETIME columns hold UTC (the service's DataSource uses timezone 'Z'): read them the same way.
    const connection = await createConnection({ uri: database.url, timezone: 'Z' });
    try {
      const [rows] = await connection.query("SELECT incident_id, detail, created_at FROM incident_events WHERE kind = 'escalated'");
      events = (rows as Array<{ incident_id: number; detail: unknown; created_at: Date }>).map((row) => ({
        incidentId: Number(row.incident_id),
        level: levelOf(row.detail),
        at: row.created_at.getTime(),
      }));
      if (!redis) {
        const [jobs] = await connection.query('SELECT COUNT(*) AS n FROM agenda_jobs');
        leftoverJobs = Number((jobs as Array<{ n: number }>)[0].n);
      }
    } finally {
      await connection.end();
    }
  } else {
    const { default: Sqlite } = await import('better-sqlite3');
    const sqlite = new Sqlite(database.file, { readonly: true });
    try {
      // TypeORM keeps SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.SSS' in UTC.
      const rows = sqlite.prepare("SELECT incident_id, detail, created_at FROM incident_events WHERE kind = 'escalated'").all() as Array<{
        incident_id: number;
        detail: string | null;
        created_at: string;
      }>;
      events = rows.map((row) => ({ incidentId: Number(row.incident_id), level: levelOf(row.detail), at: Date.parse(`${row.created_at.replace(' ', 'T')}Z`) }));
      leftoverJobs = Number((sqlite.prepare('SELECT COUNT(*) AS n FROM agenda_jobs').get() as { n: number }).n);
    } finally {
      sqlite.close();
    }
  }
  if (redis) {
    let cursor = '0';
    for (let round = 0; round < 100_000; round++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${AGENDA_PREFIX}job:*`, 'COUNT', 1000);
      leftoverJobs += keys.length;
      cursor = next;
      if (cursor === '0') break;
    }
  }
  return { events, leftoverJobs };
}

interface SameInstantContext {
  api(method: string, path: string, body: unknown): Promise<any>;
  manager: import('typeorm').EntityManager;
  port: number;
  memberId: number;
}

/** The second figure (see the file comment): BENCH_SAME_INSTANT level-2 steps due at one instant T. */
async function runSameInstant(backend: Backend, settings: Settings, { api, manager, port, memberId }: SameInstantContext): Promise<SameInstantResult> {
  const { IncidentEntity } = await import('../src/db/entities/incident.entity.js');
  const { IncidentEventEntity } = await import('../src/db/entities/incident-event.entity.js');
  const { In, MoreThanOrEqual } = await import('typeorm');
  const steps = settings.sameInstant;
  const waitSeconds = settings.sameInstantCreateSeconds + settings.marginSeconds;
  const channel = await api('POST', '/channels', { name: `bench escalation ${backend} same instant` });
  await api('POST', `/channels/${channel.id}/escalation-rules`, {
    name: 'bench same instant',
    levels: [
      { memberIds: [memberId], waitMinutes: waitSeconds / 60, notifyGroupChats: true, notifyDirect: true },
      { memberIds: [memberId], waitMinutes: 5, notifyGroupChats: true, notifyDirect: true },
    ],
  });
  const integration = await api('POST', '/integrations', { name: 'bench feishu same instant', kind: 'dedicated', channelId: channel.id, pushMode: 'always_new' });
  log(`[${backend}] same instant: creating ${steps} incidents over ~${settings.sameInstantCreateSeconds} s (level-1 wait ${waitSeconds} s)`);
  const created = await runInWorker<CreateSpec, CreateResult>(new URL(import.meta.url), {
    port,
    path: new URL(integration.url as string).pathname,
    label: `${backend}-same-instant`,
    count: steps,
    rate: steps / settings.sameInstantCreateSeconds,
    maxInFlight: settings.concurrency,
    maxMs: (waitSeconds + 60) * 1000,
  });
  const countAtStep = (step: number) => manager.count(IncidentEntity, { where: { channelId: channel.id, escalationStep: MoreThanOrEqual(step) } });
  const incidents = await manager.count(IncidentEntity, { where: { channelId: channel.id } });
  const levelOneBound = Date.now() + waitSeconds * 1000;
  while ((await countAtStep(1)) < incidents && Date.now() < levelOneBound) await sleep(200);

  // T: the earliest due time, whose timer job is stored. Every step due then, as one storm's would be.
  const rows = await manager.find(IncidentEntity, { where: { channelId: channel.id }, select: { id: true, escalationStep: true, escalationDueAt: true } });
  const dues = rows.filter((row) => row.escalationStep === 1 && row.escalationDueAt).map((row) => row.escalationDueAt!.getTime());
  const problems: string[] = created.failures.map((failure) => `creation: ${failure}`);
  if (created.failed > created.failures.length) problems.push(`${created.failed} creation requests failed in all`);
  if (dues.length < rows.length) problems.push(`${rows.length - dues.length} incidents had not paged level 1 (or had passed it) when T was set`);
  if (dues.length === 0) {
    const none = { p50: NaN, p99: NaN, max: NaN, mean: NaN };
    return { steps, atT: 0, fired: 0, allFiredAfterMs: NaN, firingsPerSecond: NaN, lateness: none, exactlyOnce: false, problems: [...problems, 'no incident at level 1: nothing to time'] };
  }
  const t = Math.min(...dues);
  const lastOriginalDue = Math.max(...dues);
  if (t < Date.now() + 2000) problems.push(`T was only ${f0(t - Date.now())} ms ahead when set: raise BENCH_MARGIN_SECONDS`);
  const moved = await manager.update(IncidentEntity, { channelId: channel.id, escalationStep: 1 }, { escalationDueAt: new Date(t) });
  const atT = moved.affected ?? dues.length;
  log(`[${backend}] same instant: ${atT} level-2 steps due at T (${f1((t - Date.now()) / 1000)} s from now)`);

  const deadline = t + settings.fireTimeoutMs;
  let atLevel2 = 0;
  while (Date.now() <= deadline) {
    atLevel2 = (await within(countAtStep(2), 10_000)) ?? atLevel2;
    if (atLevel2 >= incidents) break;
    await sleep(100);
  }
  // The jobs of the original due times still run (and find nothing): let them, so the store is left as in part 1.
  await sleep(Math.max(0, Math.min(lastOriginalDue + 1500, deadline) - Date.now()));

  const ids = rows.map((row) => row.id);
  const level2At = new Map<number, number[]>();
  for (let index = 0; index < ids.length; index += 1000) {
    const events = await manager.find(IncidentEventEntity, { where: { incidentId: In(ids.slice(index, index + 1000)), kind: 'escalated' }, select: { incidentId: true, detail: true, createdAt: true } });
    for (const event of events) {
      if (Number(event.detail?.level) !== 2) continue;
      level2At.set(event.incidentId, [...(level2At.get(event.incidentId) ?? []), event.createdAt.getTime()]);
    }
  }
  const firings = [...level2At.values()].map((times) => times[0]);
  const twice = [...level2At.values()].filter((times) => times.length > 1).length;
  if (twice > 0) problems.push(`${twice} incidents with more than one level-2 entry`);
  if (firings.length < incidents) problems.push(`${incidents - firings.length} level-2 steps not fired within ${settings.fireTimeoutMs / 1000} s of T`);
  const first = firings.length ? Math.min(...firings) : NaN;
  const last = firings.length ? Math.max(...firings) : NaN;
  return {
    steps,
    atT,
    fired: firings.length,
    allFiredAfterMs: last - t,
    firingsPerSecond: firings.length / (Math.max(1, last - first) / 1000),
    lateness: latencyFigures(firings.map((at) => at - t)),
    exactlyOnce: twice === 0 && firings.length === incidents,
    problems,
  };
}

async function runBackend(backend: Backend, settings: Settings): Promise<BackendResult> {
  const { startService } = await import('../src/app/start-service.js');
  const { IncidentEntity } = await import('../src/db/entities/incident.entity.js');
  const { MoreThanOrEqual } = await import('typeorm');

  const dataDir = mkdtempSync(join(tmpdir(), 'oncall-bench-escalation-'));
  const cleanups: Array<() => Promise<unknown>> = [];
  const diagnostics: string[] = [];
  let admin: import('mysql2/promise').Connection | undefined;
  let redis: import('ioredis').Redis | undefined;

  try {
    // ---- stores ---------------------------------------------------------------------------------------------
    let database: { kind: 'mysql'; url: string } | { kind: 'sqlite'; file: string };
    if (backend === 'redis') {
      const { createConnection } = await import('mysql2/promise');
      const rootUrl = mariadbRootUrl();
      admin = await createConnection(rootUrl);
      cleanups.push(await freshDatabases(admin, [SERVICE_DB]));
      database = { kind: 'mysql', url: `${rootUrl}/${SERVICE_DB}` };
      const { Redis } = await import('ioredis');
      redis = new Redis(settings.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
      await redis.connect();
      const stale = await deleteAgendaKeys(redis);
      if (stale > 0) log(`  (deleted ${stale} stale ${AGENDA_PREFIX}* keys from ${settings.redisUrl})`);
      const client = redis;
      cleanups.push(async () => {
        await deleteAgendaKeys(client);
      });
    } else {
      database = { kind: 'sqlite', file: join(dataDir, 'oncall.sqlite') };
    }

    // ---- optional stage timing (prototypes, so the instances the service creates are covered) ------------------
    const timer = settings.profile ? new StageTimer() : undefined;
    if (timer) {
      const { EscalationService } = await import('../src/services/escalation/escalation.service.js');
      timer.wrap(EscalationService.prototype, 'fire', 'EscalationService.fire');
      const repository =
        backend === 'redis'
          ? (await import('@agendajs/redis-backend')).RedisJobRepository.prototype
          : (await import('../src/jobs/scheduler/typeorm-job-repository.js')).TypeOrmJobRepository.prototype;
      for (const method of ['getNextJobToRun', 'saveJobState', 'removeJobs']) timer.wrap(repository, method, `repo.${method}`);
      const { Job } = await import('agenda');
      timer.wrap(Job.prototype, 'isExpired', 'Job.isExpired');
    }

    // ---- the real service -----------------------------------------------------------------------------------
    const { logger, state: warnings } = await countingLogger();
    const running = await startService(
      benchServiceConfig(dataDir, database, {
        redisUrl: backend === 'redis' ? settings.redisUrl : undefined,
        redisKeyPrefix: backend === 'redis' ? AGENDA_PREFIX : undefined,
        escalationSweepSeconds: settings.sweepSeconds,
        schedulerPollMs: settings.pollMs,
      }),
      logger,
    );
    let stopped = false;
    const stopService = async () => {
      if (stopped) return;
      stopped = true;
      await running.stop();
    };
    cleanups.unshift(stopService);
    const manager = running.db.manager;

    const api = async (method: string, path: string, body: unknown) => {
      const response = await fetch(`${running.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = (await response.json()) as any;
      if (response.status !== 201) throw new Error(`${method} ${path}: HTTP ${response.status} ${JSON.stringify(answer)}`);
      return answer;
    };
    const channel = await api('POST', '/channels', { name: `bench escalation ${backend}` });
    const member = await api('POST', '/members', { name: 'Bench On-call' });
    const waitMinutes = settings.waitSeconds / 60;
    const waitMs = Math.trunc(waitMinutes * 60_000);
    await api('POST', `/channels/${channel.id}/escalation-rules`, {
      name: 'bench two levels',
      levels: [
        { memberIds: [member.id], waitMinutes, notifyGroupChats: true, notifyDirect: true },
        { memberIds: [member.id], waitMinutes: 5, notifyGroupChats: true, notifyDirect: true },
      ],
    });
    const integration = await api('POST', '/integrations', { name: 'bench feishu', kind: 'dedicated', channelId: channel.id, pushMode: 'always_new' });
    const hookPath = new URL(integration.url as string).pathname;

    const countAtStep = (step: number) => manager.count(IncidentEntity, { where: { channelId: channel.id, escalationStep: MoreThanOrEqual(step) } });

    // ---- create the incidents -------------------------------------------------------------------------------
    log(
      `[${backend}] creating ${settings.incidents} incidents over ~${settings.spreadSeconds} s through the Feishu endpoint ` +
        `(level-1 wait ${settings.waitSeconds} s, scheduler poll ${settings.pollMs ?? 'default (1000)'} ms, sweep every ${settings.sweepSeconds} s)`,
    );
    const createStarted = Date.now();
    const created = await runInWorker<CreateSpec, CreateResult>(new URL(import.meta.url), {
      port: Number(new URL(running.url).port),
      path: hookPath,
      label: backend,
      count: settings.incidents,
      rate: settings.incidents / settings.spreadSeconds,
      maxInFlight: settings.concurrency,
      maxMs: (settings.spreadSeconds + settings.marginSeconds + 60) * 1000,
    });
    log(`[${backend}] created: ${created.ok} ok / ${created.failed} failed in ${f1(created.elapsedMs / 1000)} s`);

    // ---- wait for level 1 everywhere, then read the due times before level 2 fires -------------------------
    const incidents = await manager.count(IncidentEntity, { where: { channelId: channel.id } });
    const firstDueBound = createStarted + waitMs;
    let level1DoneAfterMs: number | null = null;
    for (let i = 0; i < 100_000; i++) {
      const atLevel1 = await countAtStep(1);
      if (atLevel1 >= incidents) {
        level1DoneAfterMs = Date.now() - createStarted;
        break;
      }
      if (Date.now() > firstDueBound + settings.fireTimeoutMs) break;
      await sleep(200);
    }
    const snapshot = await manager.find(IncidentEntity, {
      where: { channelId: channel.id },
      select: { id: true, escalationStep: true, escalationDueAt: true },
    });
    const dueFromDb = new Map<number, number>();
    for (const row of snapshot) if (row.escalationStep === 1 && row.escalationDueAt) dueFromDb.set(row.id, row.escalationDueAt.getTime());
    const alreadyAtLevel2 = snapshot.filter((row) => row.escalationStep >= 2).length;
    log(
      `[${backend}] level 1 paged on all incidents ${level1DoneAfterMs === null ? 'NOT within the bound' : `${f1(level1DoneAfterMs / 1000)} s after creation began`}; ` +
        `${dueFromDb.size} due times read before level 2 (${alreadyAtLevel2} had already reached level 2)`,
    );

    // ---- the burst: wait until every level-2 step has fired, bounded ---------------------------------------
    // Every wait below is bounded by the wall clock: a saturated scheduler can starve this process's event loop
    // (the service runs in it) or Redis, and the run must still end, report and clean up.
    const maxDue = dueFromDb.size ? Math.max(...dueFromDb.values()) : Date.now() + waitMs;
    const deadline = Math.max(maxDue, Date.now()) + settings.fireTimeoutMs;
    const sqlBefore = admin ? await within(sqlStatus(admin), 10_000) : undefined;
    const redisBefore = redis ? await within(redisCounters(redis), 10_000) : undefined;
    const elu = performance.eventLoopUtilization();
    const burstWallStart = Date.now();
    timer?.reset();
    let atLevel2: number | undefined = 0;
    let lastReport = Date.now();
    let slowestProbeMs = 0;
    for (let i = 0; i < 1_000_000 && Date.now() <= deadline; i++) {
      const probeStarted = Date.now();
      atLevel2 = await within(countAtStep(2), Math.max(1000, Math.min(10_000, deadline - Date.now())));
      slowestProbeMs = Math.max(slowestProbeMs, Date.now() - probeStarted);
      if (atLevel2 !== undefined && atLevel2 >= incidents) break;
      if (Date.now() - lastReport >= 10_000) {
        lastReport = Date.now();
        log(`[${backend}]   ... ${atLevel2 ?? '?'}/${incidents} level-2 steps fired (${f0((Date.now() - maxDue) / 1000)} s after the last due time)`);
      }
      await sleep(250);
    }
    const finishedAt = Date.now();
    const burstWallMs = finishedAt - burstWallStart;
    const eluUsed = performance.eventLoopUtilization(elu).utilization;
    const sqlAfter = admin ? await within(sqlStatus(admin), 10_000) : undefined;
    const redisAfter = redis ? await within(redisCounters(redis), 10_000) : undefined;
    const stages = timer?.report(true);
    if (slowestProbeMs > 2000) diagnostics.push(`slowest progress query while waiting: ${f1(slowestProbeMs / 1000)} s (the bench shares the service's event loop)`);

    // ---- second figure: steps all due at the same instant ------------------------------------------------------
    const sameInstant =
      settings.sameInstant > 0 ? await runSameInstant(backend, settings, { api, manager, port: Number(new URL(running.url).port), memberId: member.id }) : undefined;

    // ---- stop the service, then read what it wrote through the bench's own connections -----------------------
    const stopStarted = Date.now();
    const stopOutcome = await within(
      stopService().then(
        () => 'stopped',
        (error: unknown) => `failed (${String((error as Error)?.message ?? error)})`,
      ),
      STOP_BOUND_MS,
    );
    if (stopOutcome === 'stopped') {
      diagnostics.push(`service stop took ${f1((Date.now() - stopStarted) / 1000)} s`);
    } else {
      // Close what stop() did not get to, so the run can go on and the process can exit.
      diagnostics.push(
        `service stop ${stopOutcome ?? `did not finish within ${STOP_BOUND_MS / 1000} s`}; the bench disconnected its Redis client and closed its database`,
      );
      running.redis?.disconnect();
      await within(running.db.close().catch(() => undefined), 10_000);
    }
    const { events, leftoverJobs } = await readOutcome(database, redis);
    log(`[${backend}] ${atLevel2 ?? '?'}/${incidents} level-2 steps fired when the wait ended; results read`);

    const perIncident = new Map<number, { level1: number[]; level2: number[] }>();
    for (const row of snapshot) perIncident.set(row.id, { level1: [], level2: [] });
    const onceProblems: string[] = [];
    for (const event of events) {
      const entry = perIncident.get(event.incidentId);
      if (!entry) continue;
      if (event.level === 1) entry.level1.push(event.at);
      else if (event.level === 2) entry.level2.push(event.at);
      else if (onceProblems.length < 5) onceProblems.push(`incident ${event.incidentId}: unexpected level ${String(event.level)}`);
    }
    const latenessMs: number[] = [];
    const byDue: Array<{ due: number; late: number }> = [];
    const firedAt: number[] = [];
    let dueMismatch = 0;
    let unfired = 0;
    let level1Late = 0;
    let multiple = 0;
    const dues: number[] = [];
    const unfiredDues: number[] = [];
    for (const [id, entry] of perIncident) {
      if (entry.level1.length !== 1) {
        if (onceProblems.length < 5) onceProblems.push(`incident ${id}: ${entry.level1.length} level-1 entries`);
        if (entry.level1.length === 0) continue;
      }
      const computedDue = entry.level1[0] + waitMs;
      const captured = dueFromDb.get(id);
      if (captured !== undefined && captured !== computedDue) dueMismatch++;
      const due = captured ?? computedDue;
      dues.push(due);
      if (entry.level1[0] > firstDueBound) level1Late++;
      if (entry.level2.length === 0) {
        unfired++;
        unfiredDues.push(due);
        continue;
      }
      if (entry.level2.length > 1) {
        multiple++;
        if (onceProblems.length < 5) onceProblems.push(`incident ${id}: ${entry.level2.length} level-2 entries`);
      }
      const late = entry.level2[0] - due;
      latenessMs.push(late);
      byDue.push({ due, late });
      firedAt.push(...entry.level2);
    }
    // Exactly once: every incident of the channel has one level-1 and one level-2 entry (a creation request that
    // timed out on the client side may still have created its incident: those count like the others).
    const exactlyOnce = onceProblems.length === 0 && multiple === 0 && unfired === 0 && perIncident.size === incidents;
    // A step not fired by the deadline counts with the lateness it had then (a lower bound), so p99/max are too.
    const lateness = latencyFigures([...latenessMs, ...unfiredDues.map((due) => finishedAt - due)]);
    const burstMs = firedAt.length > 1 ? Math.max(...firedAt) - Math.min(...firedAt) : NaN;
    const dueWindowMs = dues.length > 1 ? Math.max(...dues) - Math.min(...dues) : NaN;
    byDue.sort((a, b) => a.due - b.due);
    const decileP50s: number[] = [];
    for (let d = 0; d < 10 && byDue.length >= 10; d++) {
      const slice = byDue.slice(Math.floor((d * byDue.length) / 10), Math.floor(((d + 1) * byDue.length) / 10)).map((item) => item.late).sort((a, b) => a - b);
      decileP50s.push(percentile(slice, 50));
    }

    // ---- diagnostics ----------------------------------------------------------------------------------------
    const fired = latenessMs.length;
    diagnostics.unshift(`service event-loop utilisation while waiting for level 2: ${(eluUsed * 100).toFixed(0)} % over ${f1(burstWallMs / 1000)} s`);
    if (sqlBefore && sqlAfter) {
      diagnostics.push(
        fired > 0
          ? `MariaDB server-wide, per level-2 firing: ${perRequest(sqlBefore, sqlAfter, fired)}`
          : `MariaDB server-wide, totals while waiting: ${perRequest(sqlBefore, sqlAfter, 1)}`,
      );
    }
    if (redisBefore && redisAfter) {
      const moved = [...redisAfter.commands]
        .map(([name, after]) => {
          const before = redisBefore.commands.get(name) ?? { calls: 0, usec: 0 };
          return { name, calls: after.calls - before.calls, usec: after.usec - before.usec };
        })
        .filter((c) => c.calls > 0)
        .sort((a, b) => b.usec - a.usec);
      const totalUsec = moved.reduce((sum, c) => sum + c.usec, 0);
      diagnostics.push(
        `Redis server CPU ${f1(redisAfter.cpuSeconds - redisBefore.cpuSeconds)} s over ${f1(burstWallMs / 1000)} s; command time ${f1(totalUsec / 1e6)} s, top: ` +
          moved
            .slice(0, 5)
            .map((c) => `${c.name} ${c.calls} calls ${f1(c.usec / 1000 / c.calls)} ms/call`)
            .join(', '),
      );
    }
    if (stages) diagnostics.push(`stages while waiting for level 2 (ms mean/p50/p99): ${stages}`);

    return {
      backend,
      sameInstant,
      created,
      incidents,
      level1DoneAfterMs,
      level1Late,
      dueCaptured: dueFromDb.size,
      dueMismatch,
      dueWindowMs,
      fired,
      unfired,
      lateness,
      unfiredLateAtLeastMs: unfiredDues.length ? finishedAt - Math.max(...unfiredDues) : 0,
      burstMs,
      firingsPerSecond: fired / (burstMs / 1000),
      offeredPerSecond: dues.length / (dueWindowMs / 1000),
      exactlyOnce,
      onceProblems,
      decileP50s,
      leftoverJobs,
      warnings: warnings.count,
      warningSamples: warnings.samples,
      diagnostics,
    };
  } finally {
    for (const cleanup of cleanups) {
      await cleanup().catch((error: unknown) => process.stderr.write(`bench cleanup: ${String(error)}\n`));
    }
    await admin?.end().catch(() => undefined);
    if (redis) await redis.quit().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const spreadSeconds = intEnv('BENCH_SPREAD_SECONDS', 25, 1, 3600);
  const marginSeconds = intEnv('BENCH_MARGIN_SECONDS', 15, 1, 3600);
  const pollRaw = process.env.BENCH_POLL_MS;
  const settings: Settings = {
    incidents: intEnv('BENCH_INCIDENTS', 10_000, 1, 1_000_000),
    sameInstant: intEnv('BENCH_SAME_INSTANT', 5000, 0, 1_000_000),
    sameInstantCreateSeconds: intEnv('BENCH_SAME_INSTANT_CREATE_SECONDS', 10, 1, 3600),
    spreadSeconds,
    marginSeconds,
    waitSeconds: spreadSeconds + marginSeconds,
    concurrency: intEnv('BENCH_CONCURRENCY', 64, 1, 1024),
    fireTimeoutMs: intEnv('BENCH_FIRE_TIMEOUT', 120, 5, 3600) * 1000,
    pollMs: pollRaw === undefined || pollRaw.trim() === '' ? undefined : intEnv('BENCH_POLL_MS', 1000, 50, 60_000),
    sweepSeconds: intEnv('BENCH_SWEEP_SECONDS', 3600, 1, 3600),
    redisUrl: localUrl('BENCH_REDIS_URL', process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/14'),
    profile: process.env.BENCH_PROFILE === '1',
  };
  const backends = (process.env.BENCH_BACKENDS ?? 'redis,embedded')
    .split(',')
    .map((name) => name.trim())
    .filter((name): name is Backend => name === 'redis' || name === 'embedded');
  if (backends.length === 0) throw new Error('BENCH_BACKENDS names none of redis, embedded');

  // Hard stop: creation + wait + timeout + stop/cleanup, per backend.
  // Hard stop (skips cleanup; every phase is bounded on its own well within it): per backend, creation + level-1
  // wait + burst wait + stop + slack.
  // The same-instant part: creation, its level-1 wait (creation + margin), the level-1 bound, and its firing bound.
  const sameInstantSeconds = settings.sameInstant > 0 ? 3 * (settings.sameInstantCreateSeconds + settings.marginSeconds) + 60 + settings.fireTimeoutMs / 1000 : 0;
  startWatchdog(
    backends.length * (settings.spreadSeconds + settings.waitSeconds + 60 + (2 * settings.fireTimeoutMs + STOP_BOUND_MS) / 1000 + 180 + sameInstantSeconds) * 1000 +
      60_000,
  );

  log(
    `escalation bench: ${settings.incidents} incidents per backend, level-2 due over ~${settings.spreadSeconds} s, ` +
      `${settings.concurrency} max in flight while creating, backends ${backends.join(', ')}`,
  );
  const results: BackendResult[] = [];
  for (const backend of backends) results.push(await runBackend(backend, settings));

  // ---- report -------------------------------------------------------------------------------------------------
  const width = 20;
  const row = (label: string, values: string[]) => log(`  ${label.padEnd(40)}${values.map((v) => v.padStart(width)).join('')}`);
  // With unfired steps the figures are lower bounds (those steps count with their lateness at the deadline).
  const msOf = (r: BackendResult) => (n: number) => `${r.unfired > 0 ? '>= ' : ''}${f0(n)}`;
  log('');
  log('=== escalation benchmark =============================================================');
  row('', results.map((r) => LABEL[r.backend]));
  row('incidents created (Feishu endpoint)', results.map((r) => String(r.incidents)));
  row('creation requests ok / sent', results.map((r) => `${r.created.ok}/${r.created.sent}`));
  row('creation time (s)', results.map((r) => f1(r.created.elapsedMs / 1000)));
  row('creation request p99 (ms)', results.map((r) => f1(latencyFigures(r.created.latenciesMs).p99)));
  row('level 1 paged on all, after (s)', results.map((r) => (r.level1DoneAfterMs === null ? 'not in bound' : f1(r.level1DoneAfterMs / 1000))));
  row('level-1 wait (s)', results.map(() => String(settings.waitSeconds)));
  row('level-2 due window (s)', results.map((r) => f1(r.dueWindowMs / 1000)));
  row('level-2 offered rate (due/s)', results.map((r) => f0(r.offeredPerSecond)));
  row('level-2 fired', results.map((r) => `${r.fired}/${r.incidents}`));
  row('lateness p50 (ms)', results.map((r) => msOf(r)(r.lateness.p50)));
  row('lateness p99 (ms)', results.map((r) => msOf(r)(r.lateness.p99)));
  row('lateness max (ms)', results.map((r) => msOf(r)(r.lateness.max)));
  row('lateness mean (ms)', results.map((r) => msOf(r)(r.lateness.mean)));
  row('firings/s during the burst', results.map((r) => f0(r.firingsPerSecond)));
  row('burst length, first to last firing (s)', results.map((r) => f1(r.burstMs / 1000)));
  row('exactly one level-2 entry per incident', results.map((r) => (r.exactlyOnce ? 'yes' : 'NO')));
  if (results.some((r) => r.sameInstant)) {
    const same = (format: (s: SameInstantResult) => string) => results.map((r) => (r.sameInstant ? format(r.sameInstant) : '-'));
    log('  -- steps all due at the same instant T --');
    row('steps due at T', same((s) => `${s.atT}/${s.steps}`));
    row('level-2 fired', same((s) => `${s.fired}/${s.atT}`));
    row('all fired after T (ms)', same((s) => f0(s.allFiredAfterMs)));
    row('capacity (firings/s, first to last)', same((s) => f0(s.firingsPerSecond)));
    row('lateness p50 (ms)', same((s) => f0(s.lateness.p50)));
    row('lateness p99 (ms)', same((s) => f0(s.lateness.p99)));
    row('lateness max (ms)', same((s) => f0(s.lateness.max)));
    row('exactly one level-2 entry per incident', same((s) => (s.exactlyOnce ? 'yes' : 'NO')));
  }
  log('--------------------------------------------------------------------------------------');
  for (const r of results) {
    const target = TARGET_P99_MS[r.backend];
    const pass = r.exactlyOnce && r.lateness.p99 <= target;
    log(`  ${pass ? 'PASS' : 'FAIL'}  ${LABEL[r.backend]}: p99 lateness <= ${target} ms (${msOf(r)(r.lateness.p99)} ms), exactly-once (${r.exactlyOnce ? 'yes' : 'NO'})`);
  }
  log('--------------------------------------------------------------------------------------');
  for (const r of results) {
    log(`  ${LABEL[r.backend]}:`);
    log(`    lateness p50 by due-time decile, fired steps (ms): ${r.decileP50s.map(f0).join(' ')}`);
    log(
      `    due times: ${r.dueCaptured} read from the database before level 2, ${r.dueMismatch} differing from level-1 time + wait; ` +
        `${r.level1Late} incidents paged level 1 after the first level-2 step was due`,
    );
    if (r.unfired > 0) log(`    ${r.unfired} level-2 steps not fired within ${settings.fireTimeoutMs / 1000} s of the last due time (late by >= ${f0(r.unfiredLateAtLeastMs)} ms)`);
    for (const problem of r.onceProblems) log(`    ! ${problem}`);
    for (const problem of r.sameInstant?.problems ?? []) log(`    ! same instant: ${problem}`);
    if (r.created.failed > 0) for (const failure of r.created.failures) log(`    ! creation: ${failure}`);
    log(`    creation worst send lag behind schedule: ${f0(r.created.maxFireLagMs)} ms; scheduler jobs left in the store: ${r.leftoverJobs}`);
    log(`    warnings/errors logged by the service: ${r.warnings}${r.warningSamples.length ? `, e.g. ${r.warningSamples[0]}` : ''}`);
    for (const line of r.diagnostics) log(`    ${line}`);
  }
  log('======================================================================================');
  return 0;
}

if (isMainThread) {
  main().then(
    (code) => {
      process.exitCode = code;
      // A service whose stop() did not finish in time may leave handles open: do not hang on them.
      setTimeout(() => process.exit(code), 10_000).unref();
    },
    (error: unknown) => {
      process.stderr.write(`bench failed: ${String((error as Error)?.stack ?? error)}\n`);
      process.exitCode = 1;
      setTimeout(() => process.exit(1), 10_000).unref();
    },
  );
}
