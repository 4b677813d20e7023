/**
 * DingTalk's throttling answers (HTTP 403 Forbidden.AccessDenied.QpsLimit…, old-API errcode 90018 / 90002) hold the
 * refused call back and retry it; a refused access token is fetched anew; nothing is lost or doubled.
 */
import { incidentDetail } from '../../support/feishu-helpers.js';
import { DingTalkAppWorld } from '../../support/dingtalk-app-world.js';

describe('DingTalk app under throttling', () => {
  let world: DingTalkAppWorld;

  beforeAll(async () => {
    world = await DingTalkAppWorld.start('mariadb', 'dingtalk_throttle');
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('a card update refused with QpsLimitForAppkeyAndApi is retried after the wait and lands once', async () => {
    const alice = await world.person('Alice');
    const setup = await world.boundGroup([alice]);
    const { incident, card } = await world.triggerWithCard(setup);

    world.fake.state.fail('card.update', 'qpsAppkeyApi');
    expect((await world.service.api('POST', `/incidents/${incident.id}/acknowledge`, { memberId: alice.member!.id })).status).toBe(200);
    await world.service.services.cards.idle();
    const updates = world.updatesOf(card);
    expect(updates.map((request) => [request.status, request.code])).toEqual([
      [403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi'],
      [200, undefined],
    ]);
    expect(updates[1].at - updates[0].at).toBeGreaterThanOrEqual(900);
    expect(card.params.statusLabel).toBe('Acknowledged');
  });

  it('a new card and a command answer refused with QpsLimitForApi go out after the wait', async () => {
    const alice = await world.person('Alice');
    const setup = await world.boundGroup([alice]);
    world.fake.state.fail('card.create', 'qpsApi');
    const { card } = await world.triggerWithCard(setup);
    expect(card.params.statusLabel).toBe('Triggered');
    expect(world.fake.state.requestsTo('card.create').filter((request) => request.code === 'Forbidden.AccessDenied.QpsLimitForApi')).toHaveLength(1);

    world.fake.state.fail('group.send', 'qpsApi', 2);
    await world.say(alice, 'help', setup.group);
    expect(await world.nextInGroup(setup.group)).toContain('help');
    expect(world.groupTexts(setup.group)).toHaveLength(1);
  });

  it('an old-API user lookup throttled with errcode 90018 is retried: the click still links and acts', async () => {
    const bob = await world.person('Bob');
    const setup = await world.boundGroup([bob]);
    const { incident, card } = await world.triggerWithCard(setup);
    world.fake.state.fail('user.get', 'errcode90018');
    expect(await world.click(bob, card, 'acknowledge')).toMatchObject({ toast: `Acknowledged #${incident.id}` });
    expect(world.fake.state.requestsTo('user.get').filter((request) => request.code === 90018)).toHaveLength(1);
  });

  it('errcode 90002 on a lookup past the click’s deadline counts as not linked this time, and nothing changes', async () => {
    const carol = await world.person('Carol');
    const setup = await world.boundGroup([carol]);
    const { incident, card } = await world.triggerWithCard(setup);
    world.fake.state.fail('user.get', 'errcode90002', 4);
    const click = await world.click(carol, card, 'close');
    expect(click.toastKind).toBe('warning');
    expect((await incidentDetail(world.service, incident.id)).incident.status).toBe('triggered');
  });

  it('a storm of acknowledgements over many groups against a 4-per-second card limit: every card ends right, throttled calls retried', async () => {
    const dave = await world.person('Dave');
    const setups = await Promise.all(Array.from({ length: 10 }, () => world.boundGroup([dave])));
    const shown = await Promise.all(setups.map((setup) => world.triggerWithCard(setup)));
    world.fake.state.limits['card.update'] = { perSecond: 4, burst: 4 };
    const since = Date.now();
    try {
      await Promise.all(shown.map(({ incident }) => world.service.api('POST', `/incidents/${incident.id}/acknowledge`, { memberId: dave.member!.id })));
      await world.service.services.cards.idle();
    } finally {
      delete world.fake.state.limits['card.update'];
    }
    const updates = world.fake.state.requestsTo('card.update').filter((request) => request.at >= since);
    expect(updates.filter((request) => request.status === 403).length).toBeGreaterThan(0);
    for (const { card } of shown) {
      expect(card.params.statusLabel).toBe('Acknowledged');
      expect(updates.filter((request) => request.status === 200 && request.body.outTrackId === card.outTrackId)).toHaveLength(1);
    }
  });

  it('an access token DingTalk stops taking is fetched anew and the call goes through', async () => {
    const erin = await world.person('Erin');
    const setup = await world.boundGroup([erin]);
    const tokensBefore = world.fake.state.requestsTo('token').length;
    world.fake.state.revokeTokens();
    const { card } = await world.triggerWithCard(setup);
    expect(card.params.statusLabel).toBe('Triggered');
    expect(world.fake.state.requestsTo('token').length).toBe(tokensBefore + 1);
    expect(world.fake.state.requestsTo('card.create').filter((request) => request.status === 401)).toHaveLength(1);
  });

  it('a token endpoint that fails for a moment (HTTP 503) is asked again: the card still goes out', async () => {
    const fay = await world.person('Fay');
    const setup = await world.boundGroup([fay]);
    world.fake.state.revokeTokens();
    world.fake.state.fail('token', 'http503');
    const { card } = await world.triggerWithCard(setup);
    expect(card.params.statusLabel).toBe('Triggered');
    expect(world.fake.state.requestsTo('token').slice(-2).map((request) => request.status)).toEqual([503, 200]);
  });
});
