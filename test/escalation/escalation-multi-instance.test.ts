/**
 * Two full services (two replicas of one deployment: same Feishu app) on the SAME MariaDB database — once sharing a
 * Redis job store, once with the jobs in that database (TypeORM Agenda backend). Alerts arrive at both; every
 * escalation step must be paged exactly once in total, whichever instance's timer, sweep or start gets there first:
 * each step is taken by a compare-and-set on the incident row.
 */
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-open-api.js';
import { dropDatabase, freshDatabase } from '../support/databases.js';
import {
  FAST_TIMERS,
  Started,
  createRule,
  createTeam,
  deleteRedisKeys,
  escalatedEntries,
  incidentRow,
  newFeishuApp,
  pageSummary,
  pagesFor,
  pagesTo,
  sleep,
  startServiceOn,
  testRedis,
  trigger,
  waitForPage,
  waitUntil,
  type OnCallTeam,
} from '../support/escalation-helpers.js';
import type { DatabaseConfig } from '../../src/config/config.js';
import type { FireOutcome } from '../../src/services/escalation/escalation.service.js';
import type { TestService } from '../support/test-service.js';

const INCIDENTS = 10;
const TEAMS = 5;
const WAIT = 0.02; // 1.2 s
const WAIT_MS = WAIT * 60_000;
const MAX_LATENESS_MS = 3000;
/** How late a step may be taken (its timeline entry) in the one-chat burst: the timers don't wait for deliveries. */
const STEP_LATENESS_MS = 2000;
/** Ten DMs to one person at the 4/s each instance keeps to. */
const DM_PACING_MS = INCIDENTS * 250;
const EVERY_LEVEL_ONCE = ['L1 Alice dm', 'L1 Alice group', 'L2 Bob dm', 'L2 Bob group'];

interface Fire {
  instance: string;
  incidentId: number;
  step: number;
  outcome: FireOutcome['outcome'];
}

/** Records every step taken or refused by the instance's escalation service (timers, sweeps and starts all go through it). */
function recordFires(service: TestService, instance: string, log: Fire[]): void {
  const steps = service.services.escalations.steps;
  const original = steps.takeWithin.bind(steps);
  steps.takeWithin = async (tx, requests, actor) => {
    const results = await original(tx, requests, actor);
    results.forEach((result, index) => log.push({ instance, ...requests[index], outcome: 'skipped' in result ? 'skipped' : 'paged' }));
    return results;
  };
}

describe.each([
  { name: 'MariaDB + Redis (shared Redis job store)', redis: true },
  { name: 'MariaDB without Redis (jobs in the shared database)', redis: false },
])('two instances on one database: $name', ({ redis }) => {
  let fake: FakeFeishu;
  let database: DatabaseConfig;
  let a: TestService;
  let b: TestService;
  const fires: Fire[] = [];
  /** Both instances: one deployment, one job store. */
  const scheduler = testRedis('multi');
  const started = new Started();

  beforeAll(async () => {
    fake = await startFakeFeishu({ apps: {} });
    // Both replicas post to the same chats: together they may exceed Feishu's per-chat rate (each paces only itself),
    // and this test counts deliveries, not throttling.
    fake.state.enforceRateLimits = false;
    database = await freshDatabase('mariadb', `esc_multi_${redis ? 'redis' : 'db'}`);
    const app = newFeishuApp(fake);
    const overrides = { ...FAST_TIMERS, feishu: app.config, ...(redis ? scheduler : {}) };
    a = await started.track(startServiceOn(database, overrides));
    b = await started.track(startServiceOn(database, overrides));
    recordFires(a, 'a', fires);
    recordFires(b, 'b', fires);
  }, 30_000);

  afterAll(async () => {
    await started.stopAll();
    if (database) await dropDatabase(database);
    await fake?.close();
    if (redis) await deleteRedisKeys(scheduler.redisKeyPrefix);
  }, 60_000);

  interface Pending {
    team: OnCallTeam;
    incident: any;
  }

  /**
   * `INCIDENTS` incidents over `TEAMS` channels (each with its group chat, its Alice and Bob, the same two-level
   * rule): each channel gets one alert through a and one through b, all at once. Several chats keep Feishu's per-chat
   * pacing (5 QPS, which every instance keeps to on its own) from dominating the timings.
   */
  async function triggerMany(label: string): Promise<Pending[]> {
    const teams: OnCallTeam[] = [];
    for (let index = 0; index < TEAMS; index++) {
      const team = await createTeam(index % 2 === 0 ? a : b, fake, `${label}-${index}`);
      await createRule(index % 2 === 0 ? b : a, team, [
        { people: [team.alice], waitMinutes: WAIT },
        { people: [team.bob], waitMinutes: WAIT },
      ]);
      teams.push(team);
    }
    return Promise.all(
      Array.from({ length: INCIDENTS }, async (_, index) => {
        const team = teams[index % TEAMS];
        const via = index < TEAMS ? a : b;
        return { team, incident: await trigger(via, team, `disk full on node-${index} ${team.channelName}`) };
      }),
    );
  }

  /** Until `person` has been paged for every incident, by DM and in the group chat. */
  async function waitForAllPaged(pending: Pending[], person: 'Alice' | 'Bob', timeoutMs: number): Promise<void> {
    await waitUntil(
      `${person} paged (DM and group) for all ${pending.length} incidents`,
      () =>
        pending.every(({ team, incident }) => {
          const pages = pagesFor(fake, team, incident.id).filter((page) => page.person === person);
          return pages.some((page) => page.via === 'dm') && pages.some((page) => page.via === 'group');
        })
          ? true
          : undefined,
      timeoutMs,
    );
  }

  /** When each incident's level 2 is due: level 1's timeline time (the moment the step was taken) plus the wait. */
  async function level2Due(pending: Pending[]): Promise<Map<number, number>> {
    const due = new Map<number, number>();
    for (const { incident } of pending) {
      const level1 = await waitUntil(`level 1 of #${incident.id} on the timeline`, async () => (await escalatedEntries(a, incident.id)).find((entry) => entry.detail.level === 1), 3000);
      due.set(incident.id, new Date(level1.createdAt).getTime() + WAIT_MS);
    }
    return due;
  }

  async function expectEveryLevelOnce(pending: Pending[]): Promise<void> {
    for (const { team, incident } of pending) {
      expect({ incident: incident.id, pages: pageSummary(pagesFor(fake, team, incident.id)) }).toEqual({ incident: incident.id, pages: EVERY_LEVEL_ONCE });
      expect({ incident: incident.id, levels: (await escalatedEntries(b, incident.id)).map((entry) => entry.detail.level) }).toEqual({ incident: incident.id, levels: [1, 2] });
    }
    // Nothing else reached these people or chats.
    const teams = [...new Set(pending.map(({ team }) => team))];
    const all = teams.flatMap((team) => pagesTo(fake, team));
    expect(all).toHaveLength(pending.length * EVERY_LEVEL_ONCE.length);
    expect(all.filter((page) => page.person === 'Alice' && page.via === 'dm')).toHaveLength(pending.length);
    expect(all.filter((page) => page.person === 'Bob' && page.via === 'dm')).toHaveLength(pending.length);
  }

  /** Steps taken (or refused) for these incidents, once every one has been taken (bounded). */
  async function firesFor(pending: Pending[]): Promise<{ paged: Fire[]; skipped: Fire[] }> {
    const ids = pending.map(({ incident }) => incident.id);
    const mine = () => fires.filter((fire) => ids.includes(fire.incidentId));
    await waitUntil('every step to be taken', () => (mine().filter((fire) => fire.outcome === 'paged').length >= ids.length * 2 ? true : undefined), 5000);
    return { paged: mine().filter((fire) => fire.outcome === 'paged'), skipped: mine().filter((fire) => fire.outcome === 'skipped') };
  }

  it(`${INCIDENTS} incidents, alerts at both instances: level 1 at once, level 2 on time, each exactly once in total`, async () => {
    const pending = await triggerMany('multi-timers');
    await waitForAllPaged(pending, 'Alice', 5000);
    const due = await level2Due(pending);
    await waitForAllPaged(pending, 'Bob', WAIT_MS + MAX_LATENESS_MS + 5000);

    // Each level 2 was taken by a timer (of whichever instance) within the allowed lateness of its due time.
    for (const { incident } of pending) {
      const level2 = (await escalatedEntries(a, incident.id)).find((entry) => entry.detail.level === 2);
      const late = new Date(level2.createdAt).getTime() - due.get(incident.id)!;
      expect({ incident: incident.id, late: late >= 0 && late < MAX_LATENESS_MS ? 'on time' : late }).toEqual({ incident: incident.id, late: 'on time' });
    }
    await sleep(1000);
    await expectEveryLevelOnce(pending);

    const { paged } = await firesFor(pending);
    expect(paged).toHaveLength(INCIDENTS * 2);
    // Level 1 is paged by the instance that took the alert: both did.
    const level1 = paged.filter((fire) => fire.step === 0);
    expect(level1.filter((fire) => fire.instance === 'a')).toHaveLength(INCIDENTS / 2);
    expect(level1.filter((fire) => fire.instance === 'b')).toHaveLength(INCIDENTS / 2);
  }, 25_000);

  it(`${INCIDENTS} incidents in ONE chat: group notices queue behind Feishu's per-chat limit, but no level is taken late and Bob's DMs are on time`, async () => {
    const team = await createTeam(a, fake, 'multi-one-chat');
    await createRule(a, team, [
      { people: [team.alice], waitMinutes: WAIT },
      { people: [team.bob], waitMinutes: WAIT },
    ]);
    const pending: Pending[] = await Promise.all(
      Array.from({ length: INCIDENTS }, async (_, index) => ({ team, incident: await trigger(index % 2 === 0 ? a : b, team, `queue ${index} ${team.channelName}`) })),
    );
    await waitForAllPaged(pending, 'Alice', 10_000);
    const due = await level2Due(pending);
    await waitForAllPaged(pending, 'Bob', WAIT_MS + 12_000);

    // Steps are taken by the timers on time. Each page then waits for Feishu's limits, which every instance keeps to
    // on its own (4/s per chat and per person): Bob's ten DMs take up to 2.5 s on one instance, the chat's notices longer.
    for (const { incident } of pending) {
      const level2 = (await escalatedEntries(a, incident.id)).find((entry) => entry.detail.level === 2);
      const takenLate = new Date(level2.createdAt).getTime() - due.get(incident.id)!;
      const dm = pagesFor(fake, team, incident.id).find((page) => page.person === 'Bob' && page.via === 'dm')!;
      const dmLate = dm.at - due.get(incident.id)!;
      expect({ incident: incident.id, taken: takenLate >= 0 && takenLate < STEP_LATENESS_MS ? 'on time' : takenLate, dm: dmLate < MAX_LATENESS_MS + DM_PACING_MS ? 'on time' : dmLate }).toEqual({
        incident: incident.id,
        taken: 'on time',
        dm: 'on time',
      });
    }
    await sleep(1000);
    await expectEveryLevelOnce(pending);
  }, 40_000);

  it('a rule created on one instance applies to the next alert at the other, though the other had just read "no rules"', async () => {
    const team = await createTeam(a, fake, 'multi-new-rule');
    // b reads which channels have rules, and keeps "none here", for this first incident.
    const before = await trigger(b, team, `before the rule ${team.channelName}`);
    await waitUntil('the first incident marked as having no rule', async () => (await incidentRow(b.db, before.id)).escalationCheckedAt ?? undefined, 5000);
    await createRule(a, team, [{ people: [team.alice], waitMinutes: 5 }]);

    const after = await trigger(b, team, `after the rule ${team.channelName}`);
    const page = await waitForPage(fake, team, after.id, team.alice, { timeoutMs: 3000 });
    expect(page.level).toBe(1);
    expect((await incidentRow(a.db, after.id)).escalationPolicy?.ruleName).toBe(`${team.channelName} rule`);
    // The incident from before the rule is left alone.
    expect((await incidentRow(a.db, before.id)).escalationPolicy).toBeNull();
    expect(pagesFor(fake, team, before.id)).toEqual([]);
  }, 15_000);

  it('both instances racing for every due step (sweeps on both, early, against the timers) still page each step once', async () => {
    const pending = await triggerMany('multi-race');
    await waitForAllPaged(pending, 'Alice', 5000);
    const due = await level2Due(pending);
    const firstDue = Math.min(...due.values());
    const lastDue = Math.max(...due.values());

    // Shortly before the timers, both instances sweep twice at once as if everything were overdue.
    await sleep(Math.max(0, firstDue - 150 - Date.now()));
    const farFuture = new Date(Date.now() + 60_000);
    const swept = await Promise.all([a, b, a, b].map((service) => service.services.escalations.sweep(farFuture)));
    await waitForAllPaged(pending, 'Bob', WAIT_MS + MAX_LATENESS_MS + 5000);
    // Past every due time: the timers have run too, and found their steps taken.
    await sleep(Math.max(0, lastDue + 1500 - Date.now()));

    await expectEveryLevelOnce(pending);
    const { paged } = await firesFor(pending);
    expect(paged).toHaveLength(INCIDENTS * 2);
    // The four sweeps took every level 2 between them (each at most once); the timers then found nothing due.
    expect(swept.reduce((sum, fired) => sum + fired, 0)).toBe(INCIDENTS);
  }, 25_000);
});
