/**
 * Escalation end to end, through real HTTP and the fake Feishu Open API: an alert triggers an incident, level 1 is
 * paged at once (a group notice @mentioning the level's people in the bound chat, and a DM to each), and the next
 * level is paged by the scheduler (Agenda) when level 1's wait runs out — unless someone acknowledges first.
 *
 * Three setups: SQLite and MariaDB with the scheduler on the application database, MariaDB with it on Redis.
 * Each scenario has its own channel, chat and people, so the scenarios of all setups run concurrently.
 * The sweep runs at a 60 s pace here, so a level paged on time was paged by its timer.
 */
import { inTimeWindow, localTime } from '../../src/domain/escalation-policy.js';
import { messageReceiveEvent } from '../fakes/feishu-callbacks.js';
import { startFakeFeishu, type FakeFeishu, type FakeMessage, type FakeRequest } from '../fakes/feishu-open-api.js';
import {
  FAST_TIMERS,
  MARIADB,
  MARIADB_REDIS,
  clickEscalate,
  escalateValue,
  SQLITE,
  Started,
  act,
  createRule,
  createTeam,
  deleteRedisKeys,
  dueAtAfterLevel,
  expectDueOneWaitAfterLevelRan,
  escalatedEntries,
  incidentOf,
  incidentRow,
  newFeishuApp,
  pageSummary,
  pagesFor,
  sleep,
  startLossyProxy,
  testRedis,
  trigger,
  waitForPage,
  waitUntil,
  type EscalationSetup,
  type FeishuAppUnderTest,
  type LossyProxy,
  type OnCallTeam,
  type Page,
} from '../support/escalation-helpers.js';
import { cardText, postCallback, randomHex, textOf } from '../support/feishu-app-helpers.js';
import { startTestService, type TestService } from '../support/test-service.js';

const SETUPS: EscalationSetup[] = [SQLITE, MARIADB, MARIADB_REDIS];

const MINUTE_MS = 60_000;
/** Level waits, in minutes as the API takes them (fractions allowed). */
const WAIT = 0.03; // 1.8 s
const WAIT_MS = WAIT * MINUTE_MS;
/** Level 1 must be paged within this of the alert. */
const AT_ONCE_MS = 3000;
/** How late a timer-paged level may be. */
const MAX_LATENESS_MS = 3000;
/** Beyond a due time, how long we keep watching to be sure nothing (more) is paged. */
const QUIET_MS = 1000;
const TEST_TIMEOUT_MS = 25_000;

interface World {
  setup: EscalationSetup;
  service: TestService;
  app: FeishuAppUnderTest;
}

let fake: FakeFeishu;
const worlds = new Map<string, World>();
const redis = testRedis('flow');
const started = new Started();

// Concurrent tests start right after the root beforeAll (not after a describe's), so every setup starts here.
beforeAll(async () => {
  fake = await startFakeFeishu({ apps: {} });
  for (const setup of SETUPS) {
    const app = newFeishuApp(fake);
    const service = await started.track(
      startTestService(setup.kind, `esc_flow_${setup.redis ? 'redis' : 'db'}`, { ...FAST_TIMERS, feishu: app.config, ...(setup.redis ? redis : {}) }),
    );
    worlds.set(setup.name, { setup, service, app });
  }
}, 60_000);

afterAll(async () => {
  await started.stopAll();
  await fake?.close();
  await deleteRedisKeys(redis.redisKeyPrefix);
}, 60_000);

/**
 * A team whose rule pages Alice, then Bob after `waitMinutes` each (`extra`: repeat, stopOn …), and an incident of it,
 * once Alice has been paged for it.
 */
async function alicePagedFirst(service: TestService, label: string, waitMinutes: number, extra: Record<string, unknown> = {}) {
  const team = await createTeam(service, fake, label);
  await createRule(service, team, [
    { people: [team.alice], waitMinutes },
    { people: [team.bob], waitMinutes },
  ], extra);
  const incident = await trigger(service, team);
  await waitForPage(fake, team, incident.id, team.alice, { timeoutMs: 3000 });
  return { team, alice: team.alice, bob: team.bob, incident };
}

/** ms past the due time (negative: early). */
const lateness = (page: Page, dueAt: Date) => page.at - dueAt.getTime();

/** The incident's card in the team's chat, once its text matches `expected` (bounded). */
async function cardShowing(world: World, team: OnCallTeam, expected: RegExp): Promise<FakeMessage> {
  return waitUntil(
    `the card in ${team.chatId} to show ${expected}`,
    async () => {
      await world.service.services.cards.idle();
      const card = fake.state.cardsInChat(team.chatId)[0];
      return card && expected.test(cardText(card.content)) ? card : undefined;
    },
    5000,
  );
}

describe.each(SETUPS)('escalation on $name', (setup) => {
  const world = () => worlds.get(setup.name)!;

  it.concurrent(
    'pages level 1 at once (group @mention + DM), then level 2 exactly once when the wait runs out',
    async () => {
      const { service } = world();
      const team = await createTeam(service, fake, 'flow-basic');
      const { alice, bob } = team;
      await createRule(service, team, [
        { people: [alice], waitMinutes: WAIT },
        { people: [bob], waitMinutes: WAIT },
      ]);

      const triggeredAt = Date.now();
      const incident = await trigger(service, team);
      const first = await waitForPage(fake, team, incident.id, alice, { timeoutMs: 3000 });
      expect(first.at - triggeredAt).toBeLessThan(AT_ONCE_MS);
      const level1 = pagesFor(fake, team, incident.id);
      expect(pageSummary(level1)).toEqual(['L1 Alice dm', 'L1 Alice group']);
      const notice = level1.find((page) => page.via === 'group')!;
      expect(notice.text).toContain(`<at user_id="${alice.user.open_id}">Alice</at>`);
      expect(notice.text).not.toContain(bob.user.open_id);
      expect(notice.text).toContain(`Escalation level 1: incident #${incident.id} "`);
      expect(notice.text).toContain(`http://oncall.test/`);
      const dm = level1.find((page) => page.via === 'dm')!;
      expect(dm.chatId).not.toBe(team.chatId);
      expect(dm.text).not.toContain('<at');

      const dueAt = await dueAtAfterLevel(service, incident.id, 1);
      expectDueOneWaitAfterLevelRan(dueAt, WAIT_MS, triggeredAt, first.at);
      // The card shows who was paged and when the next level is due (a time every reader sees in their own zone).
      const card = await cardShowing(
        world(),
        team,
        new RegExp(`Escalation \\(.+ rule\\): level 1/2 paged Alice · next level at <local_datetime millisecond='${dueAt.getTime()}' format_type='time'></local_datetime>`),
      );
      expect(fake.state.cardsInChat(team.chatId)).toHaveLength(1);
      expect(pagesFor(fake, team, incident.id).filter((page) => page.person === 'Bob')).toEqual([]);

      const second = await waitForPage(fake, team, incident.id, bob, { timeoutMs: WAIT_MS + MAX_LATENESS_MS + 1000 });
      expect(lateness(second, dueAt)).toBeGreaterThanOrEqual(-50);
      expect(lateness(second, dueAt)).toBeLessThan(MAX_LATENESS_MS);
      const bobNotice = pagesFor(fake, team, incident.id).find((page) => page.person === 'Bob' && page.via === 'group')!;
      expect(bobNotice.text).toMatch(new RegExp(`^<at user_id="${bob.user.open_id}">Bob</at> Escalation level 2: incident #${incident.id} ".*" is still triggered\\.`));

      await sleep(QUIET_MS);
      expect(pageSummary(pagesFor(fake, team, incident.id))).toEqual(['L1 Alice dm', 'L1 Alice group', 'L2 Bob dm', 'L2 Bob group']);
      const entries = await escalatedEntries(service, incident.id);
      expect(entries.map((entry) => [entry.detail.level, entry.detail.round, entry.detail.paged, entry.actorType])).toEqual([
        [1, 1, 'Alice', 'system'],
        [2, 1, 'Bob', 'system'],
      ]);
      const { incident: after } = await incidentOf(service, incident.id);
      expect(after.status).toBe('triggered');
      expect(after.escalation).toEqual({ ruleName: `${team.channelName} rule`, level: 2, levels: 2, paged: ['Bob'], notReached: [] });
      expect(await incidentRow(service.db, incident.id)).toMatchObject({ escalationStep: 2, escalationDueAt: null });
      const finalCard = await cardShowing(world(), team, /level 2\/2 paged Bob/);
      expect(finalCard.messageId).toBe(card.messageId);
      expect(cardText(finalCard.content)).not.toContain('next level at');
    },
    TEST_TIMEOUT_MS,
  );

  it.concurrent(
    'acknowledging before the wait runs out cancels level 2: Bob is never paged',
    async () => {
      const { service } = world();
      const { team, alice, incident } = await alicePagedFirst(service, 'flow-ack', WAIT);
      const dueAt = await dueAtAfterLevel(service, incident.id, 1);
      await act(service, incident.id, 'acknowledge', alice);
      expect(Date.now()).toBeLessThan(dueAt.getTime() - 500);

      await waitUntil('the due time to pass', () => (Date.now() > dueAt.getTime() + QUIET_MS ? true : undefined), WAIT_MS + 5000);
      expect(pageSummary(pagesFor(fake, team, incident.id))).toEqual(['L1 Alice dm', 'L1 Alice group']);
      expect((await escalatedEntries(service, incident.id)).map((entry) => entry.detail.level)).toEqual([1]);
      const { incident: after } = await incidentOf(service, incident.id);
      expect(after.status).toBe('acknowledged');
      expect(after.escalation).toEqual({ ruleName: `${team.channelName} rule`, level: 1, levels: 2, paged: ['Alice'], notReached: [] });
      expect(await incidentRow(service.db, incident.id)).toMatchObject({ escalationStep: 1, escalationDueAt: null });
    },
    TEST_TIMEOUT_MS,
  );

  it.concurrent(
    'repeat 1 runs the sequence twice: Alice, Bob, Alice again, Bob again — each after its wait',
    async () => {
      const { service } = world();
      const team = await createTeam(service, fake, 'flow-repeat');
      const { alice, bob } = team;
      const wait = 0.02; // 1.2 s
      await createRule(service, team, [
        { people: [alice], waitMinutes: wait },
        { people: [bob], waitMinutes: wait },
      ], { repeat: 1 });
      const incident = await trigger(service, team);
      const a1 = await waitForPage(fake, team, incident.id, alice, { timeoutMs: 3000 });
      const b1 = await waitForPage(fake, team, incident.id, bob, { timeoutMs: 5000 });
      const a2 = await waitForPage(fake, team, incident.id, alice, { count: 2, timeoutMs: 5000 });
      const b2 = await waitForPage(fake, team, incident.id, bob, { count: 2, timeoutMs: 5000 });
      // Each step is taken one wait after the one before (timeline times are when a step was taken), and its page
      // reaches Feishu within the allowed lateness of that due time.
      const entries = await waitUntil('four escalated entries', async () => {
        const found = await escalatedEntries(service, incident.id);
        return found.length >= 4 ? found : undefined;
      }, 3000);
      const takenAt = entries.map((entry) => new Date(entry.createdAt).getTime());
      const pagesInOrder = [a1, b1, a2, b2];
      for (let step = 1; step < 4; step++) {
        const due = takenAt[step - 1] + wait * MINUTE_MS;
        expect(takenAt[step]).toBeGreaterThanOrEqual(due);
        expect(pagesInOrder[step].at - due).toBeLessThan(MAX_LATENESS_MS);
      }
      await sleep(wait * MINUTE_MS + QUIET_MS);
      const pages = pagesFor(fake, team, incident.id);
      expect(pages.filter((page) => page.via === 'dm').map((page) => `L${page.level} ${page.person}`)).toEqual(['L1 Alice', 'L2 Bob', 'L1 Alice', 'L2 Bob']);
      expect(pageSummary(pages)).toEqual([
        'L1 Alice dm', 'L1 Alice dm', 'L1 Alice group', 'L1 Alice group',
        'L2 Bob dm', 'L2 Bob dm', 'L2 Bob group', 'L2 Bob group',
      ]);
      expect((await escalatedEntries(service, incident.id)).map((entry) => `L${entry.detail.level} R${entry.detail.round} ${entry.detail.paged}`)).toEqual([
        'L1 R1 Alice',
        'L2 R1 Bob',
        'L1 R2 Alice',
        'L2 R2 Bob',
      ]);
      expect(await incidentRow(service.db, incident.id)).toMatchObject({ escalationStep: 4, escalationDueAt: null });
    },
    TEST_TIMEOUT_MS,
  );

  it.concurrent(
    "stopOn 'closed' keeps escalating after acknowledgement, and stops when the incident is closed",
    async () => {
      const { service } = world();
      const { team, alice, bob, incident } = await alicePagedFirst(service, 'flow-stop-closed', WAIT, { repeat: 1, stopOn: 'closed' });
      const dueAt = await dueAtAfterLevel(service, incident.id, 1);
      await act(service, incident.id, 'acknowledge', alice);

      const bobPage = await waitForPage(fake, team, incident.id, bob, { timeoutMs: WAIT_MS + MAX_LATENESS_MS + 1000 });
      expect(lateness(bobPage, dueAt)).toBeGreaterThanOrEqual(-50);
      expect(lateness(bobPage, dueAt)).toBeLessThan(MAX_LATENESS_MS);
      expect(bobPage.status).toBe('acknowledged');
      const nextDue = await dueAtAfterLevel(service, incident.id, 2);
      await act(service, incident.id, 'close', bob);

      await waitUntil('round 2 to be due', () => (Date.now() > nextDue.getTime() + QUIET_MS ? true : undefined), WAIT_MS + 5000);
      expect(pageSummary(pagesFor(fake, team, incident.id))).toEqual(['L1 Alice dm', 'L1 Alice group', 'L2 Bob dm', 'L2 Bob group']);
      expect((await escalatedEntries(service, incident.id)).map((entry) => entry.detail.level)).toEqual([1, 2]);
      expect((await incidentOf(service, incident.id)).incident.status).toBe('closed');
      expect(await incidentRow(service.db, incident.id)).toMatchObject({ escalationStep: 2, escalationDueAt: null });
    },
    TEST_TIMEOUT_MS,
  );

  it.concurrent(
    'reopening starts again from level 1, with level 2 one wait after the reopen',
    async () => {
      const { service } = world();
      const { team, alice, bob, incident } = await alicePagedFirst(service, 'flow-reopen', WAIT);
      const firstDue = await dueAtAfterLevel(service, incident.id, 1);
      await act(service, incident.id, 'close', alice);
      // Past the original due time: closing cancelled level 2.
      await waitUntil('the first due time to pass', () => (Date.now() > firstDue.getTime() + 500 ? true : undefined), WAIT_MS + 3000);
      expect(pageSummary(pagesFor(fake, team, incident.id))).toEqual(['L1 Alice dm', 'L1 Alice group']);

      const reopenedAt = Date.now();
      await act(service, incident.id, 'reopen', alice);
      const again = await waitForPage(fake, team, incident.id, alice, { count: 2, timeoutMs: 3000 });
      expect(again.at - reopenedAt).toBeLessThan(AT_ONCE_MS);
      expect(again.level).toBe(1);
      const dueAt = await dueAtAfterLevel(service, incident.id, 1);
      expect(dueAt.getTime()).toBeGreaterThan(reopenedAt + WAIT_MS - 100);
      const bobPage = await waitForPage(fake, team, incident.id, bob, { timeoutMs: WAIT_MS + MAX_LATENESS_MS + 1000 });
      expect(lateness(bobPage, dueAt)).toBeGreaterThanOrEqual(-50);
      expect(lateness(bobPage, dueAt)).toBeLessThan(MAX_LATENESS_MS);

      await sleep(QUIET_MS);
      expect(pageSummary(pagesFor(fake, team, incident.id))).toEqual(['L1 Alice dm', 'L1 Alice dm', 'L1 Alice group', 'L1 Alice group', 'L2 Bob dm', 'L2 Bob group']);
      expect((await escalatedEntries(service, incident.id)).map((entry) => `L${entry.detail.level} R${entry.detail.round}`)).toEqual(['L1 R1', 'L1 R1', 'L2 R1']);
    },
    TEST_TIMEOUT_MS,
  );

  it.concurrent(
    "Escalate pages the level after the one the card showed, now; a double click or the stale card again pages nobody more and says who escalated",
    async () => {
      const { service, app } = world();
      const team = await createTeam(service, fake, 'flow-button');
      const { alice, bob } = team;
      // Level 3 is there to be paged by mistake: a second click acting on the incident's current step would page it.
      await createRule(service, team, [
        { people: [alice], waitMinutes: 0.04 }, // 2.4 s: the clicks come well before
        { people: [bob], waitMinutes: 10 },
        { people: [alice, bob], waitMinutes: 10 },
      ]);
      const incident = await trigger(service, team);
      await waitForPage(fake, team, incident.id, alice, { timeoutMs: 3000 });
      const dueAt = await dueAtAfterLevel(service, incident.id, 1);
      const card = await cardShowing(world(), team, /level 1\/3 paged Alice/);
      // The button carries the step the card shows (one step taken: level 1).
      const shown = escalateValue(card.content);
      expect(shown).toEqual({ action: 'escalate', incidentId: incident.id, step: 1 });

      const click = () => clickEscalate(service, fake, app, team, alice, card, shown);
      const already = `Not escalated: incident #${incident.id} was already escalated to level 2 by Alice (paged Bob).`;
      const clickedAt = Date.now();
      // A double click: both land at once, on the same card.
      const double = await Promise.all([click(), click()]);
      for (const answer of double) {
        expect(answer.status).toBe(200);
        expect(answer.elapsedMs).toBeLessThan(3000);
      }
      expect(double.map((answer) => answer.body.toast).sort((a, b) => a.type.localeCompare(b.type))).toEqual([
        { type: 'info', content: already },
        { type: 'success', content: `Escalated #${incident.id} to level 2: paging Bob` },
      ]);
      for (const answer of double) {
        expect(cardText(answer.body.card.data)).toMatch(/Escalation \(.+\): level 2\/3 paged Bob · next level at/);
        expect(escalateValue(answer.body.card.data)).toEqual({ action: 'escalate', incidentId: incident.id, step: 2 });
      }

      const bobPage = await waitForPage(fake, team, incident.id, bob, { timeoutMs: 3000 });
      expect(bobPage.at - clickedAt).toBeLessThan(AT_ONCE_MS);
      expect(bobPage.at).toBeLessThan(dueAt.getTime());

      // The stale card clicked again later: still nothing, and the same explanation.
      const stale = await click();
      expect(stale.body.toast).toEqual({ type: 'info', content: already });

      // Past level 1's original due time: its timer found the step taken and paged nobody.
      await waitUntil('the original due time to pass', () => (Date.now() > dueAt.getTime() + MAX_LATENESS_MS ? true : undefined), 0.04 * MINUTE_MS + 5000);
      expect(pageSummary(pagesFor(fake, team, incident.id))).toEqual(['L1 Alice dm', 'L1 Alice group', 'L2 Bob dm', 'L2 Bob group']);
      const entries = await escalatedEntries(service, incident.id);
      expect(entries.map((entry) => [entry.detail.level, entry.actorType, entry.actorName])).toEqual([
        [1, 'system', 'system'],
        [2, 'member', 'Alice'],
      ]);
      expect(await incidentRow(service.db, incident.id)).toMatchObject({ escalationStep: 2, escalationUndelivered: null, escalationRedeliverAt: null });
    },
    TEST_TIMEOUT_MS,
  );

  it.concurrent(
    "an Escalate click is answered at once while Feishu throttles the page (429, come back in 2 s): who is being paged, and the page arrives after",
    async () => {
      const { service, app } = world();
      const { team, alice, incident } = await alicePagedFirst(service, 'flow-throttled', 10);
      const card = await cardShowing(world(), team, /level 1\/2 paged Alice/);
      // Feishu's gateway throttles the level-2 notice to this chat twice, each time saying to come back in 2 s.
      const isLevel2Notice = (request: FakeRequest) =>
        (request.body as any)?.receive_id === team.chatId && String((request.body as any)?.content).includes('Escalation level 2');
      const throttled = { code: 99991400, msg: 'request trigger frequency limit', error: {} };
      for (let time = 0; time < 2; time++) {
        fake.state.injectFailures.push({
          method: 'POST', pathPrefix: '/open-apis/im/v1/messages', match: isLevel2Notice, status: 429, body: throttled,
          headers: { 'x-ogw-ratelimit-limit': '50', 'x-ogw-ratelimit-reset': '2' },
        });
      }

      const clickedAt = Date.now();
      const answer = await clickEscalate(service, fake, app, team, alice, card);
      expect(answer.status).toBe(200);
      expect(answer.elapsedMs).toBeLessThan(1000);
      expect(answer.body.toast).toEqual({ type: 'success', content: `Escalated #${incident.id} to level 2: paging Bob` });

      // The notice went out once Feishu let it: after two throttled tries, ≥ 4 s after the click, well after the answer.
      const notice = await waitUntil(
        "Bob's level-2 notice in the chat",
        () => pagesFor(fake, team, incident.id).find((page) => page.person === 'Bob' && page.via === 'group'),
        10_000,
      );
      expect(notice.at - clickedAt).toBeGreaterThanOrEqual(4000);
      expect(fake.state.requests.filter((request) => isLevel2Notice(request)).map((request) => request.status)).toEqual([429, 429, 200]);
      await service.services.escalations.idle();
      expect(pageSummary(pagesFor(fake, team, incident.id))).toEqual(['L1 Alice dm', 'L1 Alice group', 'L2 Bob dm', 'L2 Bob group']);
      expect(await incidentRow(service.db, incident.id)).toMatchObject({ escalationStep: 2, escalationUndelivered: null });
    },
    TEST_TIMEOUT_MS,
  );

  it.concurrent(
    '"escalate <id>" sent to the bot in the group chat pages the next level and answers who is being paged',
    async () => {
      const { service, app } = world();
      const { team, alice, bob, incident } = await alicePagedFirst(service, 'flow-command', 10);
      await dueAtAfterLevel(service, incident.id, 1);

      const command = (text: string) =>
        postCallback(
          service,
          app.secrets,
          messageReceiveEvent({
            chatId: team.chatId,
            chatType: 'group',
            senderOpenId: alice.user.open_id,
            text,
            mentionBot: true,
            appId: app.secrets.appId,
            tenantKey: fake.state.tenantKey,
            token: app.secrets.verificationToken,
          }),
        );
      const reply = (pattern: RegExp) =>
        waitUntil(`a reply matching ${pattern} in the chat`, () => fake.state.messagesInChat(team.chatId).find((message) => pattern.test(textOf(message))), 5000);
      expect((await command(`escalate ${incident.id}`)).status).toBe(200);
      expect(textOf(await reply(/^Escalated #/))).toBe(`Escalated #${incident.id} to level 2: paging Bob`);
      await waitForPage(fake, team, incident.id, bob, { timeoutMs: 3000 });

      // Typed again, it escalates again (no card, no step to compare): here the rule has no level left.
      expect((await command(`escalate ${incident.id}`)).status).toBe(200);
      expect(textOf(await reply(/^Not escalated/))).toBe(`Not escalated: incident #${incident.id} has already been escalated to its last level.`);
      await sleep(QUIET_MS);
      expect(pageSummary(pagesFor(fake, team, incident.id))).toEqual(['L1 Alice dm', 'L1 Alice group', 'L2 Bob dm', 'L2 Bob group']);
      expect((await escalatedEntries(service, incident.id)).map((entry) => [entry.detail.level, entry.actorName])).toEqual([
        [1, 'system'],
        [2, 'Alice'],
      ]);
    },
    TEST_TIMEOUT_MS,
  );

  it.concurrent(
    "a rule's time window is judged in the channel's time zone: a window that holds now only far east applies there, not in a UTC channel",
    async () => {
      const { service } = world();
      const zone = 'Pacific/Kiritimati'; // UTC+14
      const far = await createTeam(service, fake, 'flow-zone-far');
      const utc = await createTeam(service, fake, 'flow-zone-utc');
      expect((await service.api('PATCH', `/channels/${far.channelId}`, { timeZone: zone })).status).toBe(200);
      // The local hour there, give or take an hour, on every weekday: 10 hours away from UTC's hour.
      const hour = localTime(new Date(), zone).minute / 60;
      const clock = (h: number) => `${String((Math.floor(h) + 24) % 24).padStart(2, '0')}:00`;
      const timeWindow = { weekdays: [0, 1, 2, 3, 4, 5, 6], start: clock(hour - 1), end: clock(hour + 2) };
      expect(inTimeWindow(timeWindow, new Date(), zone)).toBe(true);
      expect(inTimeWindow(timeWindow, new Date(), 'UTC')).toBe(false);
      for (const team of [far, utc]) await createRule(service, team, [{ people: [team.alice], waitMinutes: 10 }], { name: 'far-east hours', filters: { timeWindow } });

      const inFar = await trigger(service, far);
      const inUtc = await trigger(service, utc);
      await waitForPage(fake, far, inFar.id, far.alice, { timeoutMs: 3000 });
      expect((await incidentOf(service, inFar.id)).incident.escalation).toMatchObject({ ruleName: 'far-east hours', level: 1 });
      await waitUntil('the UTC incident to be looked at', async () => (await incidentRow(service.db, inUtc.id)).escalationCheckedAt ?? undefined, 3000);
      await sleep(QUIET_MS);
      expect((await incidentOf(service, inUtc.id)).incident.escalation).toBeNull();
      expect(pagesFor(fake, utc, inUtc.id)).toEqual([]);
      expect(pageSummary(pagesFor(fake, far, inFar.id))).toEqual(['L1 Alice dm', 'L1 Alice group']);
    },
    TEST_TIMEOUT_MS,
  );

  it.concurrent(
    'a rule whose filters do not match (critical only; Feishu alerts are warnings) pages nobody; the first matching rule applies',
    async () => {
      const { service } = world();
      const team = await createTeam(service, fake, 'flow-filters');
      const { alice, bob } = team;
      await createRule(service, team, [{ people: [alice], waitMinutes: 0.01 }, { people: [bob], waitMinutes: 0.01 }], {
        name: 'critical only',
        filters: { severities: ['critical'] },
      });
      const incident = await trigger(service, team);
      await sleep(0.01 * MINUTE_MS + QUIET_MS);
      expect(pagesFor(fake, team, incident.id)).toEqual([]);
      expect((await incidentOf(service, incident.id)).incident.escalation).toBeNull();
      const unmatched = await incidentRow(service.db, incident.id);
      expect(unmatched).toMatchObject({ escalationPolicy: null, escalationStep: 0, escalationDueAt: null });
      expect(unmatched.escalationCheckedAt).not.toBeNull();
      await service.services.cards.idle();
      expect(cardText(fake.state.cardsInChat(team.chatId)[0].content)).not.toContain('Escalation');

      // A catch-all rule after it: the next incident gets that one (Bob at level 1), never the critical-only one.
      await createRule(service, team, [{ people: [bob], waitMinutes: 1 }], { name: 'catch-all' });
      const second = await trigger(service, team);
      await waitForPage(fake, team, second.id, bob, { timeoutMs: 3000 });
      await sleep(500);
      expect(pageSummary(pagesFor(fake, team, second.id))).toEqual(['L1 Bob dm', 'L1 Bob group']);
      expect((await incidentOf(service, second.id)).incident.escalation).toMatchObject({ ruleName: 'catch-all', level: 1, levels: 1 });
    },
    TEST_TIMEOUT_MS,
  );

  it.concurrent(
    'editing the rule after the trigger does not change the running escalation (it keeps its snapshot)',
    async () => {
      const { service } = world();
      const team = await createTeam(service, fake, 'flow-snapshot');
      const { alice, bob } = team;
      const rule = await createRule(service, team, [
        { people: [alice], waitMinutes: WAIT },
        { people: [bob], waitMinutes: WAIT },
      ], { name: 'original' });
      const incident = await trigger(service, team);
      await waitForPage(fake, team, incident.id, alice, { timeoutMs: 3000 });
      const dueAt = await dueAtAfterLevel(service, incident.id, 1);

      // Now level 2 would be Alice, after a 10-minute wait, and there would be a repeat.
      const edited = await service.api('PUT', `/escalation-rules/${rule.id}`, {
        name: 'edited',
        levels: [
          { memberIds: [bob.memberId], waitMinutes: 10 },
          { memberIds: [alice.memberId], waitMinutes: 10 },
        ],
        repeat: 2,
      });
      expect(edited.status).toBe(200);

      const bobPage = await waitForPage(fake, team, incident.id, bob, { timeoutMs: WAIT_MS + MAX_LATENESS_MS + 1000 });
      expect(bobPage.level).toBe(2);
      expect(lateness(bobPage, dueAt)).toBeLessThan(MAX_LATENESS_MS);
      await sleep(QUIET_MS);
      expect(pageSummary(pagesFor(fake, team, incident.id))).toEqual(['L1 Alice dm', 'L1 Alice group', 'L2 Bob dm', 'L2 Bob group']);
      expect((await escalatedEntries(service, incident.id)).map((entry) => `${entry.detail.rule} L${entry.detail.level} ${entry.detail.paged}`)).toEqual([
        'original L1 Alice',
        'original L2 Bob',
      ]);
      expect((await incidentOf(service, incident.id)).incident.escalation).toEqual({ ruleName: 'original', level: 2, levels: 2, paged: ['Bob'], notReached: [] });
      const after = await incidentRow(service.db, incident.id);
      expect(after.escalationPolicy).toMatchObject({ ruleId: rule.id, ruleName: 'original', repeat: 0, stopOn: 'acknowledged' });
      expect(after.escalationDueAt).toBeNull();

      // A new incident gets the edited rule: Bob first.
      const second = await trigger(service, team);
      await waitForPage(fake, team, second.id, bob, { timeoutMs: 3000 });
      expect(pageSummary(pagesFor(fake, team, second.id))).toEqual(['L1 Bob dm', 'L1 Bob group']);
      expect((await incidentRow(service.db, second.id)).escalationPolicy).toMatchObject({ ruleName: 'edited', repeat: 2 });
    },
    TEST_TIMEOUT_MS,
  );

  it.concurrent(
    'a member known only by email is found in the Feishu directory when paged: linked, @mentioned and DMed',
    async () => {
      const { service } = world();
      const team = await createTeam(service, fake, 'flow-by-email');
      const email = `carol.${randomHex(4)}@example.com`;
      const carolUser = fake.state.addUser({ name: 'Carol', email: email.toUpperCase() });
      const carol = (await service.api('POST', '/members', { name: 'Carol', email })).body;
      fake.state.chats.get(team.chatId)!.memberOpenIds.push(carolUser.open_id);
      await service.api('POST', `/channels/${team.channelId}/escalation-rules`, {
        name: 'carol first',
        levels: [{ memberIds: [carol.id], waitMinutes: 10 }],
      });
      const withCarol = { ...team, people: [...team.people, { name: 'Carol', user: carolUser, memberId: carol.id }] };

      const incident = await trigger(service, team);
      await waitForPage(fake, withCarol, incident.id, withCarol.people[2], { timeoutMs: 5000 });
      await waitUntil('both level-1 pages', () => (pagesFor(fake, withCarol, incident.id).length >= 2 ? true : undefined), 5000);
      expect(pageSummary(pagesFor(fake, withCarol, incident.id))).toEqual(['L1 Carol dm', 'L1 Carol group']);
      const identities = (await service.api('GET', `/members/${carol.id}/im-identities`)).body.items;
      expect(identities).toEqual([expect.objectContaining({ platform: 'feishu', externalId: carolUser.open_id })]);
      const lookups = fake.state.requests.filter((request) => request.path === '/open-apis/contact/v3/users/batch_get_id' && JSON.stringify(request.body).includes(email));
      expect(lookups).toHaveLength(1);
      expect(lookups[0].query).toMatchObject({ user_id_type: 'open_id' });

      // An admin may map by email alone too: the account is found the same way.
      const daveEmail = `dave.${randomHex(4)}@example.com`;
      const daveUser = fake.state.addUser({ name: 'Dave', email: daveEmail });
      const dave = (await service.api('POST', '/members', { name: 'Dave', email: daveEmail })).body;
      const mapped = await service.api('POST', '/im-identities', { platform: 'feishu', mappings: [{ memberEmail: daveEmail }] });
      expect(mapped.status).toBe(200);
      expect(mapped.body.items).toEqual([expect.objectContaining({ platform: 'feishu', externalId: daveUser.open_id, memberId: dave.id })]);
    },
    TEST_TIMEOUT_MS,
  );

  it.concurrent(
    'a channel without rules: nobody is paged and the incident is marked as looked at; the first rule applies to the next alert at once',
    async () => {
      const { service } = world();
      const team = await createTeam(service, fake, 'flow-no-rule');
      const first = await trigger(service, team);
      const checked = await waitUntil(
        'the incident to be marked as looked at',
        async () => (await incidentRow(service.db, first.id)).escalationCheckedAt ?? undefined,
        3000,
      );
      expect(checked).toBeInstanceOf(Date);
      // Marked, the sweep's "never looked at" pass leaves it alone. (No sweep is run here: with a time in the future it
      // would fire the due steps of the scenarios running beside this one.)
      expect(await incidentRow(service.db, first.id)).toMatchObject({ escalationPolicy: null, escalationStep: 0, escalationDueAt: null });

      await createRule(service, team, [{ people: [team.alice], waitMinutes: WAIT }]);
      const second = await trigger(service, team);
      await waitForPage(fake, team, second.id, team.alice, { timeoutMs: 3000 });
      await sleep(QUIET_MS);
      expect(pageSummary(pagesFor(fake, team, first.id))).toEqual([]);
      expect(pageSummary(pagesFor(fake, team, second.id))).toEqual(['L1 Alice dm', 'L1 Alice group']);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('a page whose answer is lost after Feishu sent it (gateway timeout)', () => {
  let service: TestService;
  let proxy: LossyProxy;

  beforeAll(async () => {
    // Between the service and Feishu: the first answer to each escalation page is lost after the message was sent.
    const answered = new Set<string>();
    proxy = await startLossyProxy(fake.url, ({ method, path, body }) => {
      const isPage = method === 'POST' && path === '/open-apis/im/v1/messages' && String(body?.content ?? '').includes('Escalation level');
      if (!isPage || answered.has(body.receive_id)) return false;
      answered.add(body.receive_id);
      return true;
    });
    const app = newFeishuApp(fake);
    service = await started.track(startTestService('sqlite', 'esc_flow_lossy', { ...FAST_TIMERS, feishu: { ...app.config, domain: proxy.url } }));
  });
  afterAll(async () => {
    await service?.stop();
    await proxy?.close();
  });

  it('is retried with the same idempotency key: nobody is paged twice', async () => {
    const team = await createTeam(service, fake, 'flow-lossy');
    await createRule(service, team, [{ people: [team.alice], waitMinutes: 10 }]);
    const dedupedBefore = fake.state.dedupedSends;
    const incident = await trigger(service, team);
    await waitForPage(fake, team, incident.id, team.alice, { timeoutMs: 3000 });
    await waitUntil('the answers to both pages to be lost', () => (proxy.lost.length >= 2 ? true : undefined), 5000);
    // The retries (after 150–300 ms) are done by then.
    await sleep(QUIET_MS);

    expect(proxy.lost.map((request) => (request.body as { receive_id: string }).receive_id).sort()).toEqual([team.alice.user.open_id, team.chatId].sort());
    expect(pageSummary(pagesFor(fake, team, incident.id))).toEqual(['L1 Alice dm', 'L1 Alice group']);
    expect(fake.state.dedupedSends - dedupedBefore).toBe(2);
  }, TEST_TIMEOUT_MS);
});
