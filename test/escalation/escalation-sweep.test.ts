/**
 * The sweep's pass for incidents whose escalation never started, the moment a rule's time window is judged at, and
 * a stop that drains what escalation has started. Each setup runs its own service with a 1 s sweep (the sweep's
 * pass for never-started incidents waits 10 s before it treats an incident as forgotten).
 */
import { IncidentEntity } from '../../src/db/entities/incident.entity.js';
import { inTimeWindow } from '../../src/domain/escalation-policy.js';
import { startFakeFeishu, type FakeFeishu, type FakeRequest } from '../fakes/feishu-open-api.js';
import { dropDatabase, freshDatabase } from '../support/databases.js';
import {
  FAST_TIMERS,
  MARIADB,
  SQLITE,
  clickEscalate,
  escalateValue,
  Started,
  act,
  createRule,
  createTeam,
  escalatedEntries,
  incidentOf,
  incidentRow,
  newFeishuApp,
  pageSummary,
  pagesFor,
  sleep,
  startServiceOn,
  trigger,
  waitForPage,
  waitUntil,
  type EscalationSetup,
  type FeishuAppUnderTest,
  type OnCallTeam,
} from '../support/escalation-helpers.js';
import { startTestService, type TestService } from '../support/test-service.js';

const SETUPS: EscalationSetup[] = [SQLITE, MARIADB];
/** UNCHECKED_GRACE_MS in escalation.service.ts: how old a never-started incident must be before the sweep starts it. */
const UNCHECKED_GRACE_MS = 10_000;
const HOUR_MS = 3_600_000;
const TEST_TIMEOUT_MS = 30_000;

let fake: FakeFeishu;
const services = new Map<string, TestService>();
const started = new Started();

beforeAll(async () => {
  fake = await startFakeFeishu({ apps: {} });
  for (const setup of SETUPS) {
    const app = newFeishuApp(fake);
    services.set(setup.name, await started.track(startTestService(setup.kind, 'esc_sweep', { ...FAST_TIMERS, escalationSweepSeconds: 1, feishu: app.config })));
  }
}, 60_000);

afterAll(async () => {
  await started.stopAll();
  await fake?.close();
}, 60_000);

/** Every weekday, from the start of `at`'s UTC hour for two hours. */
function twoHoursFrom(at: Date) {
  const clock = (hour: number) => `${String(hour % 24).padStart(2, '0')}:00`;
  return { weekdays: [0, 1, 2, 3, 4, 5, 6], start: clock(at.getUTCHours()), end: clock(at.getUTCHours() + 2) };
}

/** The incident as if its alert had come `ago` ms ago and its rules had never been looked at (a crash in between). */
async function forgotten(service: TestService, incidentId: number, ago: number): Promise<void> {
  await service.db.manager.update(IncidentEntity, incidentId, {
    createdAt: new Date(Date.now() - ago),
    escalationPolicy: null,
    escalationStep: 0,
    escalationDueAt: null,
    escalationCheckedAt: null,
  });
}

describe.each(SETUPS)('the escalation sweep on $name', (setup) => {
  const service = () => services.get(setup.name)!;

  it.concurrent(
    'starts an incident whose escalation never started, once it is older than the grace, with the rule that held when it was created',
    async () => {
      const team = await createTeam(service(), fake, 'sweep-unchecked');
      // A window that held three hours ago, not now.
      const createdAt = new Date(Date.now() - 3 * HOUR_MS);
      const timeWindow = twoHoursFrom(createdAt);
      expect(inTimeWindow(timeWindow, createdAt, 'UTC')).toBe(true);
      expect(inTimeWindow(timeWindow, new Date(), 'UTC')).toBe(false);
      await createRule(service(), team, [{ people: [team.alice], waitMinutes: 10 }], { name: 'three hours ago', filters: { timeWindow } });

      // Both alerts come now (the window does not hold: nobody is paged), then lose their escalation start.
      const old = await trigger(service(), team);
      const young = await trigger(service(), team);
      for (const incident of [old, young]) {
        await waitUntil(`#${incident.id} looked at`, async () => (await incidentRow(service().db, incident.id)).escalationCheckedAt ?? undefined, 3000);
      }
      await forgotten(service(), old.id, 3 * HOUR_MS);
      const youngSince = Date.now();
      await forgotten(service(), young.id, 0);

      // The old one is started by the next sweep, with the rule of its creation time.
      const page = await waitForPage(fake, team, old.id, team.alice, { timeoutMs: 4000 });
      expect(page.level).toBe(1);
      expect((await incidentOf(service(), old.id)).incident.escalation).toMatchObject({ ruleName: 'three hours ago', level: 1 });
      expect((await escalatedEntries(service(), old.id)).map((entry) => [entry.detail.level, entry.actorType])).toEqual([[1, 'system']]);

      // The young one is left alone while within the grace (it may still be starting elsewhere) ...
      await sleep(2500);
      expect((await incidentRow(service().db, young.id)).escalationCheckedAt).toBeNull();
      // ... then looked at: created now, outside the window, so no rule applies.
      const checked = await waitUntil(
        `#${young.id} looked at by the sweep`,
        async () => (await incidentRow(service().db, young.id)).escalationCheckedAt ?? undefined,
        UNCHECKED_GRACE_MS + 4000,
      );
      expect(checked.getTime() - youngSince).toBeGreaterThanOrEqual(UNCHECKED_GRACE_MS - 1000);
      expect(await incidentRow(service().db, young.id)).toMatchObject({ escalationPolicy: null, escalationStep: 0 });

      await sleep(1500);
      expect(pageSummary(pagesFor(fake, team, old.id))).toEqual(['L1 Alice dm', 'L1 Alice group']);
      expect(pagesFor(fake, team, young.id)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it.concurrent(
    'a reopened incident without a rule gets the one whose window holds at the reopen, not at its creation',
    async () => {
      const team = await createTeam(service(), fake, 'sweep-reopen');
      const incident = await trigger(service(), team);
      await waitUntil('the incident looked at (no rules yet)', async () => (await incidentRow(service().db, incident.id)).escalationCheckedAt ?? undefined, 3000);
      await act(service(), incident.id, 'close', team.alice);
      await service().db.manager.update(IncidentEntity, incident.id, { createdAt: new Date(Date.now() - 3 * HOUR_MS) });

      const timeWindow = twoHoursFrom(new Date());
      expect(inTimeWindow(timeWindow, new Date(Date.now() - 3 * HOUR_MS), 'UTC')).toBe(false);
      await createRule(service(), team, [{ people: [team.bob], waitMinutes: 10 }], { name: 'these hours', filters: { timeWindow } });

      await act(service(), incident.id, 'reopen', team.alice);
      await waitForPage(fake, team, incident.id, team.bob, { timeoutMs: 3000 });
      expect((await incidentOf(service(), incident.id)).incident.escalation).toMatchObject({ ruleName: 'these hours', level: 1 });
      await sleep(500);
      expect(pageSummary(pagesFor(fake, team, incident.id))).toEqual(['L1 Bob dm', 'L1 Bob group']);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('stopping the service', () => {
  it('waits for the pages escalation has started: a level 1 and an Escalate click, both throttled by Feishu', async () => {
    const database = await freshDatabase('mariadb', 'esc_sweep_drain');
    const app: FeishuAppUnderTest = newFeishuApp(fake);
    const settings = { ...FAST_TIMERS, feishu: app.config };
    let service: TestService | undefined = await started.track(startServiceOn(database, settings));
    let after: TestService | undefined;
    try {
      const team: OnCallTeam = await createTeam(service, fake, 'sweep-drain');
      await createRule(service, team, [
        { people: [team.alice], waitMinutes: 10 },
        { people: [team.bob], waitMinutes: 10 },
      ]);
      const clicked = await trigger(service, team);
      await waitForPage(fake, team, clicked.id, team.alice, { timeoutMs: 3000 });
      const card = await waitUntil(
        'the card to show level 1',
        async () => {
          await service!.services.cards.idle();
          const found = fake.state.cardsInChat(team.chatId).at(-1);
          const value = found && escalateValue(found.content);
          return value?.step === 1 ? { message: found!, value } : undefined;
        },
        3000,
      );

      // From now on, the chat's next two notices are throttled (429, come back in 2 s).
      const notice = (request: FakeRequest) => (request.body as any)?.receive_id === team.chatId && String((request.body as any)?.content).includes('Escalation level');
      fake.state.injectFailures.push({
        method: 'POST', pathPrefix: '/open-apis/im/v1/messages', match: notice, status: 429, times: 2,
        body: { code: 99991400, msg: 'request trigger frequency limit', error: {} }, headers: { 'x-ogw-ratelimit-reset': '2' },
      });
      const fresh = await trigger(service, team);
      const answer = await clickEscalate(service, fake, app, team, team.alice, card.message, card.value);
      expect(answer.body.toast).toEqual({ type: 'success', content: `Escalated #${clicked.id} to level 2: paging Bob` });

      const stopping = Date.now();
      const stopped = service;
      service = undefined;
      await stopped.stop();
      // stop() returned only once both throttled notices had gone out.
      expect(Date.now() - stopping).toBeGreaterThanOrEqual(1500);
      expect(pageSummary(pagesFor(fake, team, fresh.id))).toEqual(['L1 Alice dm', 'L1 Alice group']);
      expect(pageSummary(pagesFor(fake, team, clicked.id))).toEqual(['L1 Alice dm', 'L1 Alice group', 'L2 Bob dm', 'L2 Bob group']);
      expect(fake.state.requests.filter(notice).filter((request) => request.status === 429)).toHaveLength(2);

      // And it left nothing marked as undelivered for a later sweep to send again.
      after = await started.track(startServiceOn(database, settings));
      for (const incident of [fresh, clicked]) {
        expect(await incidentRow(after.db, incident.id)).toMatchObject({ escalationUndelivered: null, escalationRedeliverAt: null });
      }
    } finally {
      await service?.stop();
      await after?.stop();
      await dropDatabase(database);
    }
  }, TEST_TIMEOUT_MS);
});
