/**
 * Pages that fail through all their retries (Feishu down for a while, or throttling longer than the client waits)
 * are handed back to the sweep and sent again with growing backoff until they go out — only the sends that failed,
 * under the same idempotency key — and a target that is gone for good (bot removed from the chat, user the bot may
 * not reach) settles the page, with a timeline entry naming who was not reached.
 *
 * SQLite and MariaDB, each its own service with a 1 s sweep; each scenario has its own team, so they run side by side
 * on one fake Feishu, whose failures are narrowed to the scenario's own chat and people.
 */
import { startFakeFeishu, type FakeFeishu, type FakeRequest } from '../fakes/feishu-open-api.js';
import {
  FAST_TIMERS,
  MARIADB,
  SQLITE,
  Started,
  createRule,
  createTeam,
  incidentOf,
  incidentRow,
  newFeishuApp,
  pageSummary,
  pagesFor,
  sleep,
  trigger,
  waitUntil,
  type EscalationSetup,
  type OnCallTeam,
} from '../support/escalation-helpers.js';
import { startTestService, type TestService } from '../support/test-service.js';

const SETUPS: EscalationSetup[] = [SQLITE, MARIADB];
const SWEEP_SECONDS = 1;
/** A page is sent to the group (one notice @mentioning both) and to each person by DM. */
const ALICE_AND_BOB_ONCE = ['L1 Alice dm', 'L1 Alice group', 'L1 Bob dm', 'L1 Bob group'];
const TEST_TIMEOUT_MS = 90_000;

let fake: FakeFeishu;
const services = new Map<string, TestService>();
const started = new Started();

beforeAll(async () => {
  fake = await startFakeFeishu({ apps: {} });
  for (const setup of SETUPS) {
    const app = newFeishuApp(fake);
    services.set(setup.name, await started.track(startTestService(setup.kind, 'esc_page_retry', { ...FAST_TIMERS, escalationSweepSeconds: SWEEP_SECONDS, feishu: app.config })));
  }
}, 60_000);

afterAll(async () => {
  await started.stopAll();
  await fake?.close();
}, 60_000);

const body = (request: FakeRequest) => (request.body ?? {}) as { receive_id?: string; content?: string; uuid?: string };

/** A send of an escalation page to the team (its chat or one of its people). */
function pageSendTo(team: OnCallTeam, receiveIds = [team.chatId, ...team.people.map((person) => person.user.open_id)]) {
  return (request: FakeRequest) =>
    request.method === 'POST' &&
    request.path === '/open-apis/im/v1/messages' &&
    receiveIds.includes(body(request).receive_id ?? '') &&
    String(body(request).content).includes('Escalation level');
}

/** The incident a page send is about (its text names it). */
const incidentOfSend = (request: FakeRequest) => Number(/incident #(\d+)/.exec(String(body(request).content))?.[1]);

async function marksCleared(service: TestService, incidentIds: number[]): Promise<void> {
  await waitUntil(
    'every page marked delivered',
    async () => {
      for (const id of incidentIds) if ((await incidentRow(service.db, id)).escalationUndelivered !== null) return undefined;
      return true;
    },
    10_000,
  );
}

describe.each(SETUPS)('escalation pages while Feishu fails, on $name', (setup) => {
  const service = () => services.get(setup.name)!;

  it.concurrent(
    'Feishu answers 503 for 15 s while 20 pages go out: after it recovers every page arrives, exactly once',
    async () => {
      const team = await createTeam(service(), fake, 'retry-503');
      await createRule(service(), team, [{ people: [team.alice, team.bob], waitMinutes: 10 }]);
      const isPage = pageSendTo(team);
      const outageEnds = Date.now() + 15_000;
      fake.state.injectFailures.push({
        method: 'POST', pathPrefix: '/open-apis/im/v1/messages', match: (request) => isPage(request) && Date.now() < outageEnds,
        status: 503, body: 'upstream connect error or disconnect/reset before headers', times: Infinity,
      });

      const incidents: number[] = [];
      for (let index = 0; index < 20; index++) incidents.push((await trigger(service(), team)).id);

      await waitUntil(
        'every page after the outage',
        () => (incidents.every((id) => pagesFor(fake, team, id).length >= ALICE_AND_BOB_ONCE.length) ? true : undefined),
        outageEnds - Date.now() + 40_000,
      );
      // Nothing got through while Feishu was down: they all went out after it.
      expect(fake.state.requests.filter(isPage).filter((request) => request.status === 503).length).toBeGreaterThanOrEqual(60);
      expect(Math.min(...incidents.flatMap((id) => pagesFor(fake, team, id).map((page) => page.at)))).toBeGreaterThanOrEqual(outageEnds);

      await marksCleared(service(), incidents);
      await sleep(SWEEP_SECONDS * 1000 * 2 + 500);
      for (const id of incidents) expect(pageSummary(pagesFor(fake, team, id))).toEqual(ALICE_AND_BOB_ONCE);
      const teamChats = new Set([...fake.state.chats.values()].filter((chat) => chat.chatId === team.chatId || (chat.chatType === 'p2p' && team.people.some((person) => chat.memberOpenIds.includes(person.user.open_id)))).map((chat) => chat.chatId));
      const messages = [...fake.state.messages.values()].filter(
        (message) => teamChats.has(message.chatId) && message.msgType === 'text' && incidents.some((id) => message.rawContent.includes(`incident #${id} `)),
      );
      expect(messages).toHaveLength(60);
      expect(new Set(messages.map((message) => message.uuid)).size).toBe(60);
    },
    TEST_TIMEOUT_MS,
  );

  it.concurrent(
    'Feishu throttles the group notices (429, come back in 1 s) for 10 s: all 5 arrive; the DMs that went out are not sent again',
    async () => {
      const team = await createTeam(service(), fake, 'retry-429');
      await createRule(service(), team, [{ people: [team.alice, team.bob], waitMinutes: 10 }]);
      const isNotice = pageSendTo(team, [team.chatId]);
      const isDm = pageSendTo(team, team.people.map((person) => person.user.open_id));
      const throttleEnds = Date.now() + 10_000;
      fake.state.injectFailures.push({
        method: 'POST', pathPrefix: '/open-apis/im/v1/messages', match: (request) => isNotice(request) && Date.now() < throttleEnds,
        status: 429, body: { code: 99991400, msg: 'request trigger frequency limit', error: {} },
        headers: { 'x-ogw-ratelimit-limit': '50', 'x-ogw-ratelimit-reset': '1' }, times: Infinity,
      });

      const incidents: number[] = [];
      for (let index = 0; index < 5; index++) incidents.push((await trigger(service(), team)).id);

      await waitUntil(
        'all 5 group notices',
        () => (incidents.every((id) => pagesFor(fake, team, id).some((page) => page.via === 'group')) ? true : undefined),
        throttleEnds - Date.now() + 30_000,
      );
      await marksCleared(service(), incidents);
      await sleep(SWEEP_SECONDS * 1000 * 2 + 500);
      for (const id of incidents) expect(pageSummary(pagesFor(fake, team, id))).toEqual(ALICE_AND_BOB_ONCE);

      const notices = fake.state.requests.filter(isNotice).filter((request) => incidents.includes(incidentOfSend(request)));
      // The notices were throttled (each 429 holds the chat for the reset Feishu gives, so a notice may wait the
      // throttle out without being refused itself), then each went through once, under one uuid.
      expect(notices.filter((request) => request.status === 429).length).toBeGreaterThanOrEqual(1);
      for (const id of incidents) {
        const ofIncident = notices.filter((request) => incidentOfSend(request) === id);
        expect(ofIncident.filter((request) => request.status === 200)).toHaveLength(1);
        expect(new Set(ofIncident.map((request) => body(request).uuid)).size).toBe(1);
      }
      // The DMs went out at the first try and were left alone by the redeliveries.
      const dms = fake.state.requests.filter(isDm).filter((request) => incidents.includes(incidentOfSend(request)));
      expect(dms.map((request) => request.status)).toEqual(Array(10).fill(200));
    },
    TEST_TIMEOUT_MS,
  );

  it.concurrent(
    'a target gone for good (bot removed from the chat; a user the bot may not reach) settles the page, and the timeline names who was not reached',
    async () => {
      const team = await createTeam(service(), fake, 'retry-gone');
      await createRule(service(), team, [{ people: [team.alice, team.bob], waitMinutes: 10 }]);
      fake.state.chats.get(team.chatId)!.botIsMember = false; // sends answer 230002
      team.bob.user.botAvailable = false; // sends answer 230013

      const incident = await trigger(service(), team);
      await waitUntil('Alice\'s DM', () => pagesFor(fake, team, incident.id).find((page) => page.person === 'Alice'), 5000);
      await marksCleared(service(), [incident.id]);

      const entry = await waitUntil(
        'a timeline entry naming who was not reached',
        async () => (await incidentOf(service(), incident.id)).timeline.find((candidate) => candidate.kind === 'not_reached'),
        3000,
      );
      expect(entry).toMatchObject({ actorType: 'system', detail: { level: 1, round: 1 } });
      expect(entry.detail.notReached).toContain('Bob (feishu direct message');
      expect(entry.detail.notReached).toContain(`feishu group chat "${team.channelName} room"`);
      expect(entry.detail.notReached).not.toContain('Alice');

      // Settled: the sweep sends none of it again.
      await sleep(SWEEP_SECONDS * 1000 * 3);
      const sends = fake.state.requests.filter(pageSendTo(team)).filter((request) => incidentOfSend(request) === incident.id);
      expect(sends.map((request) => [body(request).receive_id, request.code]).sort()).toEqual(
        [[team.alice.user.open_id, 0], [team.bob.user.open_id, 230013], [team.chatId, 230002]].sort(),
      );
      expect(pageSummary(pagesFor(fake, team, incident.id))).toEqual(['L1 Alice dm']);
      expect((await incidentOf(service(), incident.id)).timeline.filter((candidate) => candidate.kind === 'not_reached')).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );
});
