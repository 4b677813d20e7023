/**
 * "A Slack outage never blocks alert intake or escalation on other platforms", end to end: a channel bound to a
 * Feishu chat and a Slack channel, a two-level escalation rule, and the fake Slack down — every request answered
 * HTTP 503, or taken and never answered ('hang', the nastier case: only our client's own timeout ends a call).
 * While Slack is down, alerts are answered at once and stored, Feishu cards are posted and kept up to date, both
 * levels are paged on Feishu on time, and a click on a Feishu card acknowledges. Once Slack is back, the incident
 * messages that could not be posted show up, with the incidents' current state, once each.
 *
 * SQLite without Redis, and MariaDB with the scheduler and dedupe on Redis.
 */
import { cardActionEvent } from '../../fakes/feishu-callbacks.js';
import { startFakeFeishu, type FakeFeishu, type FakeMessage } from '../../fakes/feishu-open-api.js';
import { startFakeSlack, type FakeSlack, type FakeSlackChannel, type FakeSlackMessage, type SlackOutageMode } from '../../fakes/slack-web-api.js';
import {
  FAST_TIMERS,
  MARIADB_REDIS,
  SQLITE,
  Started,
  createRule,
  createTeam,
  deleteRedisKeys,
  dueAtAfterLevel,
  expectDueOneWaitAfterLevelRan,
  incidentOf,
  newFeishuApp,
  pageSummary,
  pagesFor,
  testRedis,
  waitForPage,
  waitUntil,
  type EscalationSetup,
  type FeishuAppUnderTest,
  type OnCallTeam,
} from '../../support/escalation-helpers.js';
import { cardStatus, cardText, postCallback, randomHex } from '../../support/feishu-app-helpers.js';
import { slackStatus } from '../../support/slack-app-helpers.js';
import { startTestService, type TestService } from '../../support/test-service.js';

const SETUPS: EscalationSetup[] = [SQLITE, MARIADB_REDIS];
const MODES: SlackOutageMode[] = ['hang', 'http503'];

const BOT_TOKEN = 'xoxb-outage';
const MINUTE_MS = 60_000;
const WAIT = 0.03; // 1.8 s per level
const WAIT_MS = WAIT * MINUTE_MS;
/** An alert is answered within this, Slack up or down. */
const INTAKE_MS = 1000;
/** Level 1 is paged within this of the alert; a timer-paged level at most this late (as in the escalation tests). */
const AT_ONCE_MS = 3000;
const MAX_LATENESS_MS = 3000;
/** A Feishu card shows a change made through the admin API within this, whatever Slack does. */
const FEISHU_CARD_MS = 1500;
/** Feishu wants a card click answered within 3 s. */
const CLICK_DEADLINE_MS = 3000;
/**
 * One Slack request gives up after this (the product default is 10 s; short here so that a call, with its four
 * attempts, gives up within a few seconds), and an undelivered card is tried again after at most 1 s, then 2 s.
 */
const SLACK_TIMEOUT_MS = 300;
/**
 * How much later than its timeout a hung call may be seen abandoned: the service and the fake share one event loop
 * here, which a loaded CI machine stalls for hundreds of milliseconds (634 ms seen against 600). Still far below the
 * product's 10 s default, so a client that did not apply the short timeout fails.
 */
const ABANDON_LAG_MS = 1000;
const REDELIVERY = { firstDelayMs: 1000, maxDelayMs: 2000 };
/** The incident message's next try during the outage comes within this, behind the notices' tries (see below). */
const CARD_RETRIED_MS = 12_000;
/** Once Slack is back, the missing messages are there within this. */
const CATCH_UP_MS = 8000;
const EXTRA_ALERTS = 5;

interface World {
  service: TestService;
  slack: FakeSlack;
  app: FeishuAppUnderTest;
}

let feishu: FakeFeishu;
const worlds = new Map<string, World>();
const redis = testRedis('slack_outage');
const started = new Started();

beforeAll(async () => {
  feishu = await startFakeFeishu({ apps: {} });
  for (const setup of SETUPS) {
    const slack = await startFakeSlack({ botToken: BOT_TOKEN });
    started.track(Promise.resolve({ stop: () => slack.close() }));
    const app = newFeishuApp(feishu);
    const service = await started.track(
      startTestService(setup.kind, `slack_outage_${setup.redis ? 'redis' : 'db'}`, {
        ...FAST_TIMERS,
        feishu: app.config,
        slack: { botToken: BOT_TOKEN, signingSecret: randomHex(16), connection: 'http', apiUrl: slack.url, requestTimeoutMs: SLACK_TIMEOUT_MS },
        cardRedelivery: REDELIVERY,
        ...(setup.redis ? redis : {}),
      }),
    );
    worlds.set(setup.name, { service, slack, app });
  }
}, 60_000);

afterAll(async () => {
  for (const world of worlds.values()) world.slack.state.endOutage();
  await started.stopAll();
  await feishu?.close();
  await deleteRedisKeys(redis.redisKeyPrefix);
}, 60_000);

/** A team (createTeam: Feishu chat, Alice and Bob linked on Feishu) whose channel is bound to a Slack channel too, where both are linked as well. */
async function teamOnBoth(world: World, label: string): Promise<{ team: OnCallTeam; slackChannel: FakeSlackChannel }> {
  const { service, slack } = world;
  const team = await createTeam(service, feishu, label);
  const users = team.people.map((person) => slack.state.addUser({ name: person.name.toLowerCase(), realName: person.name }));
  const slackChannel = slack.state.addChannel({ name: team.channelName, members: users.map((user) => user.id) });
  const binding = await service.api('POST', '/chat-bindings', { platform: 'slack', chatId: slackChannel.id, channelId: team.channelId, chatName: slackChannel.name });
  expect(binding.status).toBe(201);
  const mapped = await service.api('POST', '/im-identities', {
    platform: 'slack',
    mappings: team.people.map((person, index) => ({ externalId: users[index].id, memberId: person.memberId })),
  });
  expect(mapped.status).toBe(200);
  return { team, slackChannel };
}

/** Incident messages (with attachments, unlike escalation notices) the bot posted in the Slack channel. */
function incidentMessagesIn(slack: FakeSlack, channelId: string): FakeSlackMessage[] {
  return slack.state.messagesIn(channelId).filter((message) => message.user === slack.state.bot.userId && message.attachments !== undefined);
}

/** The single card in the chat, once `ready` says it shows what is expected (bounded). */
function cardIn(chatId: string, ready: (card: FakeMessage) => boolean, timeoutMs: number): Promise<FakeMessage> {
  return waitUntil(
    `the card in ${chatId}`,
    () => {
      const cards = feishu.state.cardsInChat(chatId);
      return cards.length === 1 && ready(cards[0]) ? cards[0] : undefined;
    },
    timeoutMs,
  );
}

/** Posts an alert and times the answer. */
async function timedAlert(service: TestService, team: OnCallTeam, text: string): Promise<number> {
  const sentAt = performance.now();
  const answer = await service.post(team.hookPath, { msg_type: 'text', content: { text } });
  const elapsed = performance.now() - sentAt;
  expect(answer.status).toBe(200);
  expect(answer.body.code).toBe(0);
  return elapsed;
}

describe.each(SETUPS)('a Slack outage on $name', (setup) => {
  const world = () => worlds.get(setup.name)!;

  afterEach(() => world().slack.state.endOutage());

  it.each(MODES)(
    'Slack %s: alerts are taken, Feishu cards kept current, both levels paged on Feishu on time; Slack catches up once back',
    async (mode) => {
      const { service, slack, app } = world();
      const { team, slackChannel } = await teamOnBoth(world(), `outage-${mode}`);
      const { alice, bob } = team;
      const quiet = await teamOnBoth(world(), `outage-quiet-${mode}`); // no rule: alerts only
      await createRule(service, team, [
        { people: [alice], waitMinutes: WAIT },
        { people: [bob], waitMinutes: WAIT },
      ]);

      const outageFrom = Date.now();
      slack.state.startOutage(mode);

      // Intake: the alert that escalates, then a burst to the other channel, each answered at once and stored.
      const triggeredAt = Date.now();
      const title = `Primary database is down ${randomHex(3)}`;
      const intake = [await timedAlert(service, team, title)];
      const [incident] = (await service.api('GET', `/incidents?channelId=${team.channelId}&limit=50`)).body.items as any[];
      expect(incident.description).toBe(title);
      const texts = Array.from({ length: EXTRA_ALERTS }, (_, index) => `Disk full on db-${index} ${randomHex(3)}`);
      for (const text of texts) intake.push(await timedAlert(service, quiet.team, text));
      for (const elapsed of intake) expect(elapsed).toBeLessThan(INTAKE_MS);
      const quietIncidents = (await service.api('GET', `/incidents?channelId=${quiet.team.channelId}&limit=50`)).body.items as any[];
      expect(quietIncidents.map((item) => item.description).sort()).toEqual([...texts].sort());
      expect(quietIncidents.every((item) => item.status === 'triggered')).toBe(true);

      // Feishu cards: posted while Slack is down.
      const card = await cardIn(team.chatId, () => true, 2000);
      expect(card.createTime - triggeredAt).toBeLessThan(2000);
      await waitUntil('a Feishu card for every quiet alert', () => (feishu.state.cardsInChat(quiet.team.chatId).length === EXTRA_ALERTS ? true : undefined), 3000);

      // Level 1 at once, level 2 when its wait runs out: on Feishu, on time.
      const first = await waitForPage(feishu, team, incident.id, alice, { timeoutMs: AT_ONCE_MS });
      expect(first.at - triggeredAt).toBeLessThan(AT_ONCE_MS);
      const dueAt = await dueAtAfterLevel(service, incident.id, 1);
      expectDueOneWaitAfterLevelRan(dueAt, WAIT_MS, triggeredAt, first.at);
      const second = await waitForPage(feishu, team, incident.id, bob, { timeoutMs: WAIT_MS + MAX_LATENESS_MS + 1000 });
      const lateness = second.at - dueAt.getTime();
      expect(lateness).toBeGreaterThanOrEqual(-50);
      expect(lateness).toBeLessThan(MAX_LATENESS_MS);
      expect(pageSummary(pagesFor(feishu, team, incident.id))).toEqual(['L1 Alice dm', 'L1 Alice group', 'L2 Bob dm', 'L2 Bob group']);

      // Acknowledged through the admin API: the Feishu card shows it promptly, although the incident's Slack side is stuck.
      const ackedAt = Date.now();
      expect((await service.api('POST', `/incidents/${incident.id}/acknowledge`, { memberId: bob.memberId })).status).toBe(200);
      const acked = await cardIn(team.chatId, (current) => cardStatus(current.content) === 'Acknowledged', FEISHU_CARD_MS);
      expect(cardText(acked.content)).toContain('Acknowledged by **Bob**');
      const ackCardMs = acked.updateTime - ackedAt;
      expect(ackCardMs).toBeLessThan(FEISHU_CARD_MS);

      // A click on a Feishu card acknowledges another incident, answered well within Feishu's deadline.
      const clicked = quietIncidents[0];
      const clickedCard = feishu.state.cardsInChat(quiet.team.chatId).find((candidate) => cardText(candidate.content).includes(clicked.description))!;
      expect(clickedCard).toBeDefined();
      const answer = await postCallback(
        service,
        app.secrets,
        cardActionEvent({
          operatorOpenId: quiet.team.alice.user.open_id,
          value: { action: 'acknowledge', incidentId: clicked.id },
          openMessageId: clickedCard.messageId,
          openChatId: quiet.team.chatId,
          appId: app.secrets.appId,
          tenantKey: feishu.state.tenantKey,
          token: app.secrets.verificationToken,
        }),
      );
      expect(answer.status).toBe(200);
      expect(answer.body.toast).toEqual({ type: 'success', content: `Acknowledged #${clicked.id}` });
      expect(answer.elapsedMs).toBeLessThan(CLICK_DEADLINE_MS);
      expect((await incidentOf(service, clicked.id)).incident.status).toBe('acknowledged');

      // Slack really was down for all of it: it was called, and every call failed as the outage says.
      const duringOutage = slack.state.requests.filter((request) => request.at >= outageFrom && request.outage === mode);
      const posts = duringOutage.filter((request) => request.method === 'chat.postMessage');
      expect(posts.length).toBeGreaterThan(0);
      expect(duringOutage.every((request) => (mode === 'http503' ? request.status === 503 : request.status === undefined))).toBe(true);
      if (mode === 'hang') {
        // Our client gives up on a request Slack never answers: every held request older than the timeout was
        // abandoned by the client, no later than shortly after the timeout ran out (the client's clock starts before
        // the fake has read the body), and tried again.
        const settledBefore = Date.now() - SLACK_TIMEOUT_MS - ABANDON_LAG_MS;
        const old = duringOutage.filter((request) => request.at < settledBefore);
        expect(old.length).toBeGreaterThan(0);
        for (const request of old) {
          expect(request.abandonedAt).toBeDefined();
          expect(request.abandonedAt! - request.at).toBeGreaterThan(0);
          expect(request.abandonedAt! - request.at).toBeLessThan(SLACK_TIMEOUT_MS + ABANDON_LAG_MS);
        }
      }
      // The incident message is tried again during the outage — after the escalation notices' attempts, which go first
      // in the channel's queue (two levels, up to four attempts each, one post a second).
      const cardPosts = () =>
        slack.state.requests.filter(
          (request) =>
            request.at >= outageFrom && request.outage === mode && request.method === 'chat.postMessage' &&
            request.args.channel === slackChannel.id && request.args.attachments !== undefined,
        );
      await waitUntil('the incident message tried again', () => (cardPosts().length > 1 ? true : undefined), CARD_RETRIED_MS);
      expect(incidentMessagesIn(slack, slackChannel.id)).toEqual([]);
      expect(incidentMessagesIn(slack, quiet.slackChannel.id)).toEqual([]);

      // Slack is back: every incident message appears, once, showing the incident as it is now.
      const backAt = Date.now();
      slack.state.endOutage();
      const caughtUp = await waitUntil(
        'the incident messages on Slack',
        () => {
          const main = incidentMessagesIn(slack, slackChannel.id);
          const others = incidentMessagesIn(slack, quiet.slackChannel.id);
          if (main.length !== 1 || others.length !== EXTRA_ALERTS || slackStatus(main[0]) !== 'Acknowledged') return undefined;
          return { main: main[0], others, at: Date.now() };
        },
        CATCH_UP_MS,
      );
      const catchUpMs = caughtUp.at - backAt;
      await service.services.cards.idle();
      expect(incidentMessagesIn(slack, slackChannel.id)).toHaveLength(1);
      expect(incidentMessagesIn(slack, quiet.slackChannel.id)).toHaveLength(EXTRA_ALERTS);
      expect(caughtUp.others.map((message) => slackStatus(slack.state.message(message.channel, message.ts)!)).sort()).toEqual(
        ['Acknowledged', ...Array(EXTRA_ALERTS - 1).fill('Triggered')].sort(),
      );
      const slackPages = slack.state.messagesIn(slackChannel.id).filter((message) => /Escalation level/.test(message.text)).length;
      expect(feishu.state.cardsInChat(team.chatId)).toHaveLength(1);
      await waitUntil('no card left to redeliver', () => (service.services.cards.pendingRedeliveries().length === 0 ? true : undefined), 3000);

      // Figures for the report.
      process.stdout.write(
        `[slack-outage ${setup.name} ${mode}] intake max ${Math.max(...intake).toFixed(0)} ms; L1 after ${first.at - triggeredAt} ms; ` +
          `L2 lateness ${lateness} ms; Feishu card acked after ${ackCardMs} ms; Feishu click answered in ${answer.elapsedMs.toFixed(0)} ms; ` +
          `Slack calls during outage ${duringOutage.length} (${posts.length} chat.postMessage); Slack caught up ${catchUpMs} ms after recovery; ` +
          `escalation notices that reached Slack late ${slackPages}\n`,
      );
    },
    40_000,
  );
});
