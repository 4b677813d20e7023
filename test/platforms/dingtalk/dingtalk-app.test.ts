/**
 * The DingTalk app end to end: alerts in through the Feishu-compatible URL, cards out through the fake OpenAPI, clicks
 * and robot messages in over the fake Stream gateway to the real `dingtalk-stream` client.
 */
import { renderDingTalkCardParams } from '../../../src/platforms/dingtalk/dingtalk-card.renderer.js';
import { shownButtons, shownText, templateVariables } from '../../fakes/dingtalk-card-template.js';
import { randomHex, waitFor } from '../../support/feishu-app-helpers.js';
import { incidentDetail } from '../../support/feishu-helpers.js';
import { DingTalkAppWorld, TEMPLATE_ID } from '../../support/dingtalk-app-world.js';

describe('DingTalk app (card template, Stream mode)', () => {
  let world: DingTalkAppWorld;

  beforeAll(async () => {
    world = await DingTalkAppWorld.start('sqlite', 'dingtalk_app');
  });
  afterAll(async () => {
    await world?.stop();
  });

  const identitiesOf = async (memberId: number) => (await world.service.api('GET', `/members/${memberId}/im-identities`)).body.items as any[];
  const actionsOf = (params: Record<string, string>) => shownButtons(params).flatMap((button) => (button.callback ? [button.callback.actionId] : []));

  it('an alert creates and delivers one card into the bound group, in DingTalk’s body shape, with string variables only', async () => {
    const alice = await world.person('Alice');
    const setup = await world.boundGroup([alice]);
    const { incident, card } = await world.triggerWithCard(setup);

    const [create] = world.fake.state.requestsTo('card.create').filter((request) => request.body.outTrackId === card.outTrackId);
    expect(create.status).toBe(200);
    expect(create.body).toMatchObject({
      cardTemplateId: TEMPLATE_ID,
      callbackType: 'STREAM',
      openSpaceId: `dtv1.card//IM_GROUP.${setup.group.openConversationId}`,
      imGroupOpenDeliverModel: { robotCode: world.fake.state.robotCode },
    });
    expect(Object.values(create.body.cardData.cardParamMap).every((value) => typeof value === 'string')).toBe(true);
    // Every variable the renderer fills is one the template declares.
    expect(Object.keys(card.params).filter((name) => !templateVariables().includes(name))).toEqual([]);
    expect(card.params).toEqual(renderDingTalkCardParams(await world.service.services.views.build(incident.id)));
    expect(actionsOf(card.params)).toEqual(['acknowledge', 'close', 'escalate']);
    expect(card.params.detailsUrl).toMatch(/^http:\/\/oncall\.test\//);
    expect(shownButtons(card.params).find((button) => button.id === 'details')?.url).toBe(card.params.detailsUrl);
    expect(shownText(card.params)).toContain(incident.title);
    // Feishu's colours: a triggered warning has an orange header and a red status tag.
    expect(card.params).toMatchObject({ severityLabel: 'Warning', headerColor: '#FF8800', statusColor: '#F54A45' });
  });

  it('a linked member clicks Acknowledge: acted as that member (linked by email), the answer redraws the card and tells only the clicker', async () => {
    const alice = await world.person('Alice');
    const setup = await world.boundGroup([alice]);
    const { incident, card } = await world.triggerWithCard(setup);

    const click = await world.click(alice, card, 'acknowledge');
    expect(click).toMatchObject({ toast: `Acknowledged #${incident.id}`, toastKind: 'success' });
    expect((await incidentDetail(world.service, incident.id)).incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: alice.member!.id });
    expect(await identitiesOf(alice.member!.id)).toEqual([expect.objectContaining({ platform: 'dingtalk', externalId: alice.user.staffId, linkedBy: 'auto_email' })]);
    // The answer carried the new state; card sync leaves the clicked card alone for this change.
    expect(card.params.statusLabel).toBe('Acknowledged');
    expect(actionsOf(card.params)).toEqual(['close', 'escalate']);
    expect(shownText(card.params)).toMatch(/Acknowledged by \*\*Alice\*\*/);
    await world.service.services.cards.idle();
    expect(world.updatesOf(card)).toEqual([]);
  });

  it('a change made elsewhere updates the card in place (PUT card/instances by outTrackId), merged by key', async () => {
    const alice = await world.person('Alice');
    const setup = await world.boundGroup([alice]);
    const { incident, card } = await world.triggerWithCard(setup);

    expect((await world.service.api('POST', `/incidents/${incident.id}/close`, { memberId: alice.member!.id })).status).toBe(200);
    await world.service.services.cards.idle();
    const updates = world.updatesOf(card);
    expect(updates).toHaveLength(1);
    expect(updates[0].body.cardUpdateOptions).toEqual({ updateCardDataByKey: true });
    expect(card.params.statusLabel).toBe('Closed');
    expect(actionsOf(card.params)).toEqual(['reopen']);
    expect(world.incidentCardsIn(setup.group)).toHaveLength(1);
  });

  it('a double click answers "already acknowledged by …" and changes nothing more', async () => {
    const alice = await world.person('Alice');
    const bob = await world.person('Bob');
    const setup = await world.boundGroup([alice, bob]);
    const { incident, card } = await world.triggerWithCard(setup);
    const stale = { ...card.params };

    await world.click(alice, card, 'acknowledge');
    const again = await world.click(bob, card, 'acknowledge', stale);
    expect(again).toMatchObject({ toast: `#${incident.id} is already acknowledged by Alice`, toastKind: 'info' });
    const timeline = (await incidentDetail(world.service, incident.id)).timeline.filter((entry) => entry.kind === 'acknowledged');
    expect(timeline).toHaveLength(1);
  });

  it('an unlinked user’s click changes nothing, prompts to link 1:1, and the click is carried out once the code is redeemed', async () => {
    const bob = await world.person('Bob', { member: false });
    const setup = await world.boundGroup([bob]);
    const { incident, card } = await world.triggerWithCard(setup);

    const click = await world.click(bob, card, 'close');
    expect(click).toMatchObject({ toastKind: 'warning', toast: expect.stringContaining('not linked') });
    expect((await incidentDetail(world.service, incident.id)).incident.status).toBe('triggered');
    const prompt = await world.nextDirect(bob);
    const code = /link code is ([A-Z0-9]{8})/.exec(prompt)?.[1];
    expect(code).toBeDefined();

    const member = (await world.service.api('POST', '/members', { name: 'Bob', email: `bob.${randomHex(3)}@example.com` })).body;
    const redeemed = await world.service.api('POST', `/link-codes/${code}/redeem`, { memberId: member.id });
    expect(redeemed).toMatchObject({ status: 200, body: { carriedOut: `Closed #${incident.id}` } });
    await world.service.services.cards.idle();
    expect(card.params.statusLabel).toBe('Closed');
    expect(await world.nextDirect(bob, 1)).toContain(`You are now linked to on-call member Bob.`);
  });

  it('links by mobile number when the emails differ (members have phone numbers)', async () => {
    const carol = await world.person('Carol', { memberEmail: `carol.other.${randomHex(3)}@example.com`, mobile: '13912345678', memberPhone: '+86 139 1234 5678' });
    const setup = await world.boundGroup([carol]);
    const { incident, card } = await world.triggerWithCard(setup);

    expect(await world.click(carol, card, 'acknowledge')).toMatchObject({ toast: `Acknowledged #${incident.id}` });
    expect(await identitiesOf(carol.member!.id)).toEqual([expect.objectContaining({ externalId: carol.user.staffId, linkedBy: 'auto_mobile', unionId: carol.user.unionId })]);
  });

  it('a forged or malformed button is answered, not thrown (a thrown handler would be re-delivered)', async () => {
    const alice = await world.person('Alice');
    const setup = await world.boundGroup([alice]);
    const { card } = await world.triggerWithCard(setup);
    const response = (await world.callbacks.deliver('/v1.0/card/instances/callback', {
      type: 'actionCallback',
      outTrackId: card.outTrackId,
      userId: alice.user.staffId,
      spaceType: 'IM_GROUP',
      spaceId: setup.group.openConversationId,
      content: JSON.stringify({ cardPrivateData: { actionIds: ['acknowledge'], params: { action: 'acknowledge-all', incidentId: '1' } } }),
    })) as any;
    expect(response).toEqual({ userPrivateData: { cardParamMap: { toast: 'This button is not one of ours, or the card is malformed.', toastKind: 'error' } } });
  });

  it('a post refused because the robot left the group unbinds it (DingTalk sends no event for that)', async () => {
    const setup = await world.boundGroup([]);
    setup.group.robotIn = false;
    await world.sendAlert(setup.integration.path, 'after the robot left');
    await world.service.services.cards.idle();
    await waitFor('the binding to go', async () => {
      const bindings = (await world.service.api('GET', '/chat-bindings')).body.items as any[];
      return bindings.some((binding) => binding.chatId === setup.group.openConversationId) ? undefined : true;
    });
    const attempts = world.fake.state.requestsTo('card.create').filter((request) => request.body.openSpaceId?.endsWith(setup.group.openConversationId)).length;
    await world.sendAlert(setup.integration.path, 'later');
    await world.service.services.cards.idle();
    expect(world.fake.state.requestsTo('card.create').filter((request) => request.body.openSpaceId?.endsWith(setup.group.openConversationId))).toHaveLength(attempts);
  });

  describe('commands', () => {
    it('"help" @mentioning the robot in a group is answered in the group', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundGroup([alice]);
      await world.say(alice, 'help', setup.group);
      expect(await world.nextInGroup(setup.group)).toContain('ack');
    });

    it('"ack <id>" in a 1:1 chat acknowledges as the linked member and answers 1:1', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundGroup([alice]);
      const { incident, card } = await world.triggerWithCard(setup);
      await world.say(alice, `ack ${incident.id}`);
      expect(await world.nextDirect(alice)).toContain(`Acknowledged #${incident.id}`);
      await world.service.services.cards.idle();
      expect(card.params.statusLabel).toBe('Acknowledged');
    });

    it('"link" in a group goes privately (1:1) and the group is told where to look', async () => {
      const dave = await world.person('Dave', { member: false });
      const setup = await world.boundGroup([dave]);
      await world.say(dave, 'link', setup.group);
      expect(await world.nextDirect(dave)).toMatch(/Your link code is [A-Z0-9]{8}/);
      expect(await world.nextInGroup(setup.group)).toBe('I sent you the answer in our 1:1 chat.');
    });

    it('"bind <channel>" in an unbound group binds it', async () => {
      const alice = await world.person('Alice');
      const group = world.fake.state.addGroup({ title: 'war room', members: [alice.user.staffId] });
      const channel = (await world.service.api('POST', '/channels', { name: world.unique('payments') })).body;
      await world.say(alice, `bind ${channel.name}`, group);
      await waitFor('the binding', async () => {
        const bindings = (await world.service.api('GET', '/chat-bindings')).body.items as any[];
        return bindings.find((binding) => binding.chatId === group.openConversationId && binding.channelId === channel.id);
      });
      expect(await world.nextInGroup(group)).toContain(channel.name);
    });
  });

  describe('escalation pages', () => {
    it('a page reaches the group as a card that @mentions the targets (atUserIds map) and each target 1:1', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundGroup([alice]);
      await world.click(alice, (await world.triggerWithCard(setup)).card, 'acknowledge'); // links Alice
      const rule = await world.service.api('POST', `/channels/${setup.channel.id}/escalation-rules`, {
        name: 'page alice',
        levels: [{ memberIds: [alice.member!.id], waitMinutes: 60 }],
      });
      expect(rule.status).toBe(201);
      const { incident } = await world.triggerWithCard(setup);

      const page = await waitFor('the page card', () =>
        world.fake.state.cardsIn(setup.group.openConversationId).find((card) => card.params.notice?.includes(`incident #${incident.id}`)),
      );
      expect(page.atUserIds).toEqual({ [alice.user.staffId]: 'Alice' });
      expect(shownButtons(page.params).filter((button) => button.callback)).toEqual([]);
      expect(await waitFor('the 1:1 page', () => world.directTexts(alice).find((text) => text.includes(`Escalation level 1: incident #${incident.id}`)))).toBeDefined();
    });
  });

  describe('hostile alert text', () => {
    it('cannot make links, HTML or headings in the card, and is capped', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundGroup([alice]);
      const hostile = `[click me](dtmd://dingtalkclient/sendMessage?content=close%201) <font color=red>x</font> ![i](http://x/i.png)\n# big\n${'y'.repeat(20_000)}`;
      const { card } = await world.triggerWithCard(setup, hostile);
      const description = card.params.description;
      expect(description).not.toContain('[click me](');
      expect(description).toContain('\\[click me\\]\\(dtmd://dingtalkclient/sendMessage?content=close%201\\)');
      expect(description).not.toMatch(/<font/);
      expect(description).toContain('&lt;font color=red&gt;');
      expect(description).not.toMatch(/^# /m);
      expect(description.length).toBeLessThanOrEqual(2000);
      // Nobody is notified by an incident card: only a page's atUserIds @mention, and they come from linked members.
      expect(card.atUserIds).toEqual({});
      const create = world.fake.state.requestsTo('card.create').find((request) => request.body.outTrackId === card.outTrackId)!;
      expect(create.body.imGroupOpenDeliverModel).toEqual({ robotCode: world.fake.state.robotCode });
    });
  });
});
