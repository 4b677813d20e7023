/**
 * A restart during a Redis outage (Redis behind a TCP proxy that refuses every connection): the service starts anyway,
 * /readyz names Redis (503, as when Redis is lost while running), alerts make incidents, clicks are answered,
 * escalation levels fire on time from timers in the process (the sweep is at a 60 s pace here, so they are not its
 * work), and once Redis answers /readyz is ready and the timers are back on Agenda's Redis store, a wake that was
 * pending in the process with them.
 */
import {
  FAST_TIMERS,
  createRule,
  createTeam,
  deleteRedisKeys,
  redisJobCount,
  testRedis,
  trigger,
  waitForPage,
  waitUntil,
} from '../support/escalation-helpers.js';
import { postCallback } from '../support/feishu-app-helpers.js';
import { ANSWER_DEADLINE_MS, FeishuAppWorld } from '../support/feishu-app-world.js';
import { incidentDetail } from '../support/feishu-helpers.js';
import { testRedisUrlThrough } from '../support/databases.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/** Level waits in minutes as the API takes them: 1.8 s. */
const WAIT = 0.03;
/** A wait long enough for Redis to be back before it ends: 9 s. */
const HANDOVER_WAIT = 0.15;
/** How late a level may be paged. */
const LATENESS_MS = 3000;

describe('starting while Redis is down', () => {
  let redisProxy: TcpProxy;
  let world: FeishuAppWorld;
  const scheduler = testRedis('redis_down_start');

  const readyz = async () => {
    const response = await fetch(`${world.service.url}/readyz`);
    return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, string> } };
  };

  beforeAll(async () => {
    redisProxy = await startTcpProxy('127.0.0.1', 6379);
    redisProxy.cut();
    world = await FeishuAppWorld.start('mariadb', 'redis_down_start', {
      config: { ...FAST_TIMERS, redisUrl: testRedisUrlThrough(redisProxy.port), redisKeyPrefix: scheduler.redisKeyPrefix },
    });
  }, 30_000);

  afterAll(async () => {
    redisProxy?.restore();
    await world?.stop();
    await redisProxy?.close();
    await deleteRedisKeys(scheduler.redisKeyPrefix);
  }, 30_000);

  it('takes alerts, answers clicks and fires escalations without Redis; picks Redis up when it answers', async () => {
    const notReady = await readyz();
    expect(notReady.status).toBe(503);
    expect(notReady.body).toEqual({ status: 'not ready', checks: { database: 'ok', redis: expect.stringMatching(/^unavailable: /) } });

    // An alert makes an incident and its card; a click on the card is answered in time and acts.
    const alice = await world.person('Alice');
    const setup = await world.boundChat({ members: [alice.user.open_id] });
    const { incident, card } = await world.triggerWithCard(setup);
    const answer = await postCallback(world.service, world.secrets, world.clickEvent(alice.user.open_id, 'acknowledge', incident.id, card));
    expect(answer.status).toBe(200);
    expect(answer.elapsedMs).toBeLessThan(ANSWER_DEADLINE_MS);
    expect(answer.body.toast).toEqual({ type: 'success', content: `Acknowledged #${incident.id}` });
    expect((await incidentDetail(world.service, incident.id)).incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: alice.member!.id });

    // Escalation: level 1 at once, level 2 when level 1's wait runs out.
    const team = await createTeam(world.service, world.fake, 'redis-down');
    await createRule(world.service, team, [
      { people: [team.alice], waitMinutes: WAIT, notifyDirect: true },
      { people: [team.bob], waitMinutes: WAIT, notifyDirect: true },
    ]);
    const escalating = await trigger(world.service, team);
    await waitForPage(world.fake, team, escalating.id, team.alice, { timeoutMs: LATENESS_MS, group: false });
    await waitForPage(world.fake, team, escalating.id, team.bob, { timeoutMs: WAIT * 60_000 + LATENESS_MS, group: false });
    expect(await redisJobCount(scheduler.redisKeyPrefix)).toBe(0);

    // A level due after Redis is back: its wake, pending in the process, is handed to Agenda on Redis.
    const slow = await createTeam(world.service, world.fake, 'redis-back');
    await createRule(world.service, slow, [
      { people: [slow.alice], waitMinutes: HANDOVER_WAIT, notifyDirect: true },
      { people: [slow.bob], waitMinutes: HANDOVER_WAIT, notifyDirect: true },
    ]);
    const pending = await trigger(world.service, slow);
    await waitForPage(world.fake, slow, pending.id, slow.alice, { timeoutMs: LATENESS_MS, group: false });

    redisProxy.restore();
    await waitUntil('ready', async () => ((await readyz()).status === 200 ? true : undefined), 15_000);
    expect((await readyz()).body).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
    await waitUntil('the pending wake stored in Redis', async () => ((await redisJobCount(scheduler.redisKeyPrefix)) > 0 ? true : undefined), 5_000);
    const level2 = await waitForPage(world.fake, slow, pending.id, slow.bob, { timeoutMs: HANDOVER_WAIT * 60_000 + LATENESS_MS, group: false });
    expect(level2.at - new Date(pending.createdAt).getTime()).toBeLessThan(HANDOVER_WAIT * 60_000 + LATENESS_MS);

    // The next escalation's timer is a job in Redis, and it fires.
    const later = await waitUntil(
      'an escalation timer stored in Redis',
      async () => {
        const next = await trigger(world.service, team);
        await waitForPage(world.fake, team, next.id, team.alice, { timeoutMs: LATENESS_MS, group: false });
        return (await redisJobCount(scheduler.redisKeyPrefix)) > 0 ? next : undefined;
      },
      10_000,
    );
    await waitForPage(world.fake, team, later.id, team.bob, { timeoutMs: WAIT * 60_000 + LATENESS_MS, group: false });
  }, 90_000);
});
