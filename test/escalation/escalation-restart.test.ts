/**
 * An escalation waiting for its next level survives the service going away: a graceful stop, a kill -9 of the
 * process (the service runs in a child, test/escalation/escalation-child.mjs) during the wait or between taking a
 * step and sending its page, or a timer lost from the job store. The incident row holds the due step and the pages
 * not yet delivered; the job store (database or Redis) holds the timer; the sweep fires what is overdue when the
 * timer is gone and delivers again what a dead instance left undelivered. Each way, the pending level is paged
 * once — not never, not twice.
 *
 * Three setups: SQLite in a file with the scheduler's jobs in it, MariaDB with the jobs in it, and MariaDB with the
 * jobs in Redis (a key prefix per deployment). They run side by side, sharing only the fake Feishu; within a setup
 * the scenarios take turns, which keeps the timings of the child process's start and of the sweep undisturbed.
 */
import BetterSqlite3 from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import type { AppConfig, DatabaseConfig } from '../../src/config/config.js';
import { ESCALATE_JOB } from '../../src/jobs/escalate.job.js';
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-open-api.js';
import { dropDatabase, freshDatabase } from '../support/databases.js';
import {
  MARIADB,
  MARIADB_REDIS,
  SQLITE,
  Started,
  createRule,
  createTeam,
  deleteRedisKeys,
  dueAtAfterLevel,
  escalatedEntries,
  newFeishuApp,
  pageSummary,
  pagesFor,
  redisJobCount,
  incidentOf,
  incidentRow,
  sleep,
  startChildService,
  startLossyProxy,
  startServiceOn,
  testRedis,
  trigger,
  waitForPage,
  waitUntil,
  type EscalationSetup,
  type FeishuAppUnderTest,
  type RedisScheduler,
  type ServiceClient,
} from '../support/escalation-helpers.js';
import type { TestService } from '../support/test-service.js';

const SETUPS: EscalationSetup[] = [SQLITE, MARIADB, MARIADB_REDIS];
const MAX_LATENESS_MS = 3000;
/** The service's grace before the sweep treats a due step as lost (OVERDUE_GRACE_MS in escalation.service.ts). */
const SWEEP_GRACE_MS = 2000;
const SWEEP_SECONDS = 2;
/** How long a page may stay undelivered before the sweep delivers it again (config.escalationRedeliveryMs). */
const REDELIVERY_MS = 2000;
const LEVEL_1_AND_2_ONCE = ['L1 Alice dm', 'L1 Alice group', 'L2 Bob dm', 'L2 Bob group'];

let fake: FakeFeishu;
/** Scenarios of one setup run one after the other. */
const turns = new Map<string, Promise<unknown>>();

function inTurn<T>(setup: EscalationSetup, scenario: () => Promise<T>): Promise<T> {
  const previous = turns.get(setup.name) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(scenario);
  turns.set(setup.name, next);
  return next;
}

/** What the instances of one deployment share: the database and, with Redis, the job store's key prefix. */
interface Deployment {
  database: DatabaseConfig;
  redis?: RedisScheduler;
}
const deployments: Deployment[] = [];
const started = new Started();

beforeAll(async () => {
  fake = await startFakeFeishu({ apps: {} });
});

afterAll(async () => {
  await Promise.allSettled([...turns.values()]);
  await started.stopAll();
  for (const { database, redis } of deployments) {
    await dropDatabase(database);
    if (redis) await deleteRedisKeys(redis.redisKeyPrefix);
  }
  await fake?.close();
}, 30_000);

async function newDeployment(setup: EscalationSetup, label: string): Promise<Deployment> {
  // Each setup its own database: the two MariaDB setups run side by side.
  const database = await freshDatabase(setup.kind, `esc_restart_${setup.redis ? 'redis' : 'db'}_${label}`);
  const deployment = { database, redis: setup.redis ? testRedis(`restart-${label}`) : undefined };
  deployments.push(deployment);
  return deployment;
}

function overrides(deployment: Deployment, app: FeishuAppUnderTest, extra: Partial<AppConfig> = {}): Partial<AppConfig> {
  return { schedulerPollMs: 200, escalationSweepSeconds: 60, feishu: app.config, ...deployment.redis, ...extra };
}

/** A team on the service with a two-level rule (Alice, then Bob after `waitMinutes`), and an incident paging Alice. */
async function incidentWaitingForLevel2(client: ServiceClient, label: string, waitMinutes: number) {
  const team = await createTeam(client, fake, label);
  await createRule(client, team, [
    { people: [team.alice], waitMinutes },
    { people: [team.bob], waitMinutes },
  ]);
  const incident = await trigger(client, team);
  await waitForPage(fake, team, incident.id, team.alice, { timeoutMs: 5000 });
  const dueAt = await dueAtAfterLevel(client, incident.id, 1, 5000);
  return { team, incident, dueAt };
}

/** How many escalation jobs the deployment's job store holds, read from outside the service. */
async function storedJobs({ database, redis }: Deployment): Promise<number> {
  if (redis) return redisJobCount(redis.redisKeyPrefix);
  const sql = `SELECT COUNT(*) AS n FROM agenda_jobs WHERE name = ?`;
  if (database.kind === 'sqlite') {
    const sqlite = new BetterSqlite3(database.file, { readonly: true });
    try {
      return Number((sqlite.prepare(sql).get(ESCALATE_JOB) as { n: number }).n);
    } finally {
      sqlite.close();
    }
  }
  const connection = await createConnection(database.url);
  try {
    const [rows] = await connection.query(sql, [ESCALATE_JOB]);
    return Number((rows as Array<{ n: number }>)[0].n);
  } finally {
    await connection.end();
  }
}

describe.each(SETUPS)('escalation across restarts on $name', (setup) => {
  it.concurrent(
    'graceful stop during the wait; a new service on the same database pages level 2 on time, once',
    () =>
      inTurn(setup, async () => {
        const deployment = await newDeployment(setup, 'graceful');
        const { database } = deployment;
        const app = newFeishuApp(fake);
        const first = await started.track(startServiceOn(database, overrides(deployment, app)));
        let second: TestService | undefined;
        try {
          const { team, incident, dueAt } = await incidentWaitingForLevel2(first, 'restart-graceful', 0.05);
          await first.services.cards.idle();
          await first.stop();
          expect(Date.now()).toBeLessThan(dueAt.getTime() - 500);
          expect(await storedJobs(deployment)).toBe(1);

          second = await started.track(startServiceOn(database, overrides(deployment, app)));
          const bob = await waitForPage(fake, team, incident.id, team.bob, { timeoutMs: dueAt.getTime() - Date.now() + MAX_LATENESS_MS + 2000 });
          expect(bob.at - dueAt.getTime()).toBeGreaterThanOrEqual(0);
          expect(bob.at - dueAt.getTime()).toBeLessThan(MAX_LATENESS_MS);
          await sleep(1000);
          expect(pageSummary(pagesFor(fake, team, incident.id))).toEqual(LEVEL_1_AND_2_ONCE);
          expect((await escalatedEntries(second, incident.id)).map((entry) => entry.detail.level)).toEqual([1, 2]);
        } finally {
          await second?.stop();
        }
      }),
    30_000,
  );

  it.concurrent(
    'kill -9 during the wait; a service started after the due time pages level 2 once',
    () =>
      inTurn(setup, async () => {
        const deployment = await newDeployment(setup, 'kill9');
        const { database } = deployment;
        const app = newFeishuApp(fake);
        const settings = overrides(deployment, app, { escalationSweepSeconds: SWEEP_SECONDS });
        const child = await started.track(startChildService(database, { ...settings, logLevel: 'warn' }));
        let restarted: TestService | undefined;
        try {
          const { team, incident, dueAt } = await incidentWaitingForLevel2(child, 'restart-kill9', 0.05);
          await child.kill9();
          expect(child.process.signalCode).toBe('SIGKILL');
          const killedAt = Date.now();
          expect(killedAt).toBeLessThan(dueAt.getTime() - 500);

          // Nobody runs while the level falls due.
          await waitUntil('the due time to pass', () => (Date.now() > dueAt.getTime() + 300 ? true : undefined), dueAt.getTime() - Date.now() + 1000);
          expect(pagesFor(fake, team, incident.id).filter((page) => page.person === 'Bob')).toEqual([]);

          const startedAt = Date.now();
          restarted = await started.track(startServiceOn(database, settings));
          const bob = await waitForPage(fake, team, incident.id, team.bob, { timeoutMs: SWEEP_GRACE_MS + SWEEP_SECONDS * 1000 + 3000 });
          expect(bob.at).toBeGreaterThan(startedAt);
          await sleep(SWEEP_SECONDS * 1000 + 500);
          expect(pageSummary(pagesFor(fake, team, incident.id))).toEqual(LEVEL_1_AND_2_ONCE);
          expect((await escalatedEntries(restarted, incident.id)).map((entry) => entry.detail.level)).toEqual([1, 2]);
          expect(child.stderr()).not.toMatch(/Error/);
        } finally {
          await child.kill9();
          await restarted?.stop();
        }
      }),
    30_000,
  );

  it.concurrent(
    'kill -9 after level 2 is taken but before its page is out; the restarted service delivers it, once',
    () =>
      inTurn(setup, async () => {
        const deployment = await newDeployment(setup, 'undelivered');
        const { database } = deployment;
        const app = newFeishuApp(fake);
        // Between the child and Feishu, level 2's pages hang: the group notice (it @mentions) never reaches Feishu;
        // the DM does, and Feishu sends it, but its answer never comes back.
        const proxy = await startLossyProxy(
          fake.url,
          () => false,
          ({ method, path, body }) => {
            const content = String(body?.content ?? '');
            if (method !== 'POST' || path !== '/open-apis/im/v1/messages' || !content.includes('Escalation level 2')) return undefined;
            return content.includes('<at ') ? 'before' : 'after';
          },
        );
        const settings = overrides(deployment, app, { escalationSweepSeconds: 1, escalationRedeliveryMs: REDELIVERY_MS });
        const child = await started.track(startChildService(database, { ...settings, feishu: { ...app.config, domain: proxy.url }, logLevel: 'warn' }));
        let restarted: TestService | undefined;
        try {
          const { team, incident, dueAt } = await incidentWaitingForLevel2(child, 'restart-undelivered', 0.05);
          await waitUntil('both level-2 pages to hang', () => (proxy.hung.length >= 2 ? true : undefined), dueAt.getTime() - Date.now() + MAX_LATENESS_MS + 2000);
          // The step is taken (committed) and its page is on its way when the process dies.
          expect((await incidentOf(child, incident.id)).incident.escalation).toMatchObject({ level: 2, paged: ['Bob'] });
          await child.kill9();
          expect(child.process.signalCode).toBe('SIGKILL');
          expect(pageSummary(pagesFor(fake, team, incident.id))).toEqual(['L1 Alice dm', 'L1 Alice group', 'L2 Bob dm']);

          const restartedAt = Date.now();
          restarted = await started.track(startServiceOn(database, settings));
          const notice = await waitUntil(
            "Bob's level-2 notice, delivered again",
            () => pagesFor(fake, team, incident.id).find((page) => page.person === 'Bob' && page.via === 'group'),
            REDELIVERY_MS + 1000 + 4000,
          );
          expect(notice.at).toBeGreaterThan(restartedAt);
          await sleep(1500);
          await restarted.services.escalations.idle();
          // Both pages were sent again under the keys of their first try: Feishu answered the DM it had already sent
          // with that message instead of sending it twice.
          const dmSends = fake.state.requestsTo('/open-apis/im/v1/messages', 'POST').filter(
            (request) => (request.body as any).receive_id === team.bob.user.open_id && String((request.body as any).content).includes('Escalation level 2'),
          );
          expect(dmSends).toHaveLength(2);
          expect(new Set(dmSends.map((request) => (request.body as any).uuid)).size).toBe(1);
          expect(pageSummary(pagesFor(fake, team, incident.id))).toEqual(LEVEL_1_AND_2_ONCE);
          expect((await escalatedEntries(restarted, incident.id)).map((entry) => entry.detail.level)).toEqual([1, 2]);
          expect(await incidentRow(restarted.db, incident.id)).toMatchObject({ escalationStep: 2, escalationUndelivered: null, escalationRedeliverAt: null });
        } finally {
          await child.kill9();
          await restarted?.stop();
          await proxy.close();
        }
      }),
    30_000,
  );

  it.concurrent(
    'a lost timer (the job deleted from the store) is fired by the sweep, once',
    () =>
      inTurn(setup, async () => {
        const deployment = await newDeployment(setup, 'lost');
        const app = newFeishuApp(fake);
        const service = await started.track(startServiceOn(deployment.database, overrides(deployment, app, { escalationSweepSeconds: SWEEP_SECONDS })));
        try {
          const { team, incident, dueAt } = await incidentWaitingForLevel2(service, 'restart-lost', 0.1);
          expect(await storedJobs(deployment)).toBe(1);
          if (deployment.redis) expect(await deleteRedisKeys(deployment.redis.redisKeyPrefix)).toBeGreaterThan(0);
          else await service.db.manager.query(`DELETE FROM agenda_jobs WHERE name = ?`, [ESCALATE_JOB]);
          expect(await storedJobs(deployment)).toBe(0);
          // Deleted well before the scheduler would have taken the job into memory.
          expect(Date.now()).toBeLessThan(dueAt.getTime() - 500);

          const bob = await waitForPage(fake, team, incident.id, team.bob, {
            timeoutMs: dueAt.getTime() - Date.now() + SWEEP_GRACE_MS + SWEEP_SECONDS * 1000 + 2000,
          });
          // Not by a timer at the due time: by the sweep, once the step was overdue.
          expect(bob.at - dueAt.getTime()).toBeGreaterThanOrEqual(SWEEP_GRACE_MS);
          expect(bob.at - dueAt.getTime()).toBeLessThan(SWEEP_GRACE_MS + SWEEP_SECONDS * 1000 + 1000);
          await sleep(SWEEP_SECONDS * 1000 + 500);
          expect(pageSummary(pagesFor(fake, team, incident.id))).toEqual(LEVEL_1_AND_2_ONCE);
          expect((await escalatedEntries(service, incident.id)).map((entry) => entry.detail.level)).toEqual([1, 2]);
        } finally {
          await service.stop();
        }
      }),
    30_000,
  );
});
