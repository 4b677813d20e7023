/**
 * Without a card template (DINGTALK_CARD_TEMPLATE_ID unset) incidents go out as template-free robot messages
 * (sampleActionCard) whose one button opens the Details page; robot messages cannot be edited, so a new message is
 * posted when the status changes, and nothing when only other details change.
 */
import { CapturedLog } from '../../support/captured-log.js';
import { incidentsOfChannel } from '../../support/feishu-helpers.js';
import { DingTalkAppWorld } from '../../support/dingtalk-app-world.js';

describe('DingTalk app without a card template', () => {
  let world: DingTalkAppWorld;
  const log = new CapturedLog();

  beforeAll(async () => {
    world = await DingTalkAppWorld.start('sqlite', 'dingtalk_fallback', { template: false, log });
  });
  afterAll(async () => {
    await world?.stop();
  });

  const actionCardsIn = (openConversationId: string) =>
    world.fake.state.groupMessages.filter((message) => message.openConversationId === openConversationId && message.msgKey === 'sampleActionCard');

  it('posts a sampleActionCard whose button opens the Details page; no card instance is made', async () => {
    const alice = await world.person('Alice');
    const setup = await world.boundGroup([alice]);
    await world.sendAlert(setup.integration.path, 'Disk full on <db-1> [runbook](dtmd://dingtalkclient/sendMessage?content=close)');
    await world.service.services.cards.idle();

    const [incident] = await incidentsOfChannel(world.service, setup.channel.id);
    const [message] = actionCardsIn(setup.group.openConversationId);
    expect(message.msgParam).toMatchObject({ singleTitle: 'Details', singleURL: expect.stringMatching(new RegExp(`^http://oncall\\.test/incidents/${incident.id}\\b`)) });
    expect(message.msgParam.title).toBe(`#${incident.id} [Triggered] ${incident.title}`);
    expect(message.msgParam.text).toContain('<font color="#F54A45">**Triggered**</font>');
    // Alert text is escaped in the markdown: no link, no HTML.
    expect(message.msgParam.text).toContain('Disk full on &lt;db-1&gt; \\[runbook\\]\\(dtmd://dingtalkclient/sendMessage?content=close\\)');
    expect(world.fake.state.requestsTo('card.create')).toEqual([]);
  });

  it('a status change posts a new message; a change that keeps the status posts nothing', async () => {
    const alice = await world.person('Alice');
    const setup = await world.boundGroup([alice], { pushMode: 'by_title' });
    await world.sendAlert(setup.integration.path, 'Queue backlog growing');
    await world.service.services.cards.idle();
    const [incident] = await incidentsOfChannel(world.service, setup.channel.id);
    expect(actionCardsIn(setup.group.openConversationId)).toHaveLength(1);

    // The same title again: the incident counts two alerts, its status is unchanged.
    await world.sendAlert(setup.integration.path, 'Queue backlog growing');
    await world.service.services.cards.idle();
    expect(await incidentsOfChannel(world.service, setup.channel.id)).toHaveLength(1);
    expect((await world.service.services.views.build(incident.id)).eventCount).toBe(2);
    expect(actionCardsIn(setup.group.openConversationId)).toHaveLength(1);

    expect((await world.service.api('POST', `/incidents/${incident.id}/acknowledge`, { memberId: alice.member!.id })).status).toBe(200);
    await world.service.services.cards.idle();
    const messages = actionCardsIn(setup.group.openConversationId);
    expect(messages).toHaveLength(2);
    expect(messages[1].msgParam.title).toContain('[Acknowledged]');
    expect(messages[1].msgParam.text).toContain('Acknowledged by **Alice**');
  });

  it('says so in the log once', () => {
    expect(log.entries(/DINGTALK_CARD_TEMPLATE_ID is not set/)).toHaveLength(1);
  });

  it('a command in a group logs the group’s id (for admin bindings) and the command’s name only', async () => {
    const alice = await world.person('Alice');
    const group = world.fake.state.addGroup({ title: 'unbound', members: [alice.user.staffId] });
    await world.say(alice, 'bind payments-with-a-private-name', group);
    await world.nextInGroup(group);
    expect(log.entries(/dingtalk command in a group/).filter((entry) => entry.conversationId === group.openConversationId)).toEqual([
      expect.objectContaining({ command: 'bind' }),
    ]);
    expect(log.text).not.toContain('payments-with-a-private-name');
  });

  it('never logs the client secret or an access token, even when DingTalk refuses a token', async () => {
    const alice = await world.person('Alice');
    const setup = await world.boundGroup([alice]);
    world.fake.state.revokeTokens();
    await world.sendAlert(setup.integration.path, 'Token rotation test');
    await world.service.services.cards.idle();
    expect(log.entries(/refused the access token/)).toHaveLength(1);
    const issued = world.fake.state.requestsTo('token').length;
    expect(issued).toBeGreaterThanOrEqual(2);
    expect(log.text).not.toContain(world.fake.state.clientSecret);
    for (const token of world.fake.state.tokens) expect(log.text).not.toContain(token);
  });

  it('a page in the group names the targets in markdown (no @mention field exists) and pages each one 1:1', async () => {
    const bob = await world.person('Bob');
    const setup = await world.boundGroup([bob]);
    await world.say(bob, 'whoami'); // links Bob (by email)
    await world.nextDirect(bob);
    const rule = await world.service.api('POST', `/channels/${setup.channel.id}/escalation-rules`, { name: 'page bob', levels: [{ memberIds: [bob.member!.id], waitMinutes: 60 }] });
    expect(rule.status).toBe(201);
    await world.sendAlert(setup.integration.path, 'Payments failing');
    const page = await new Promise<string>((resolve, reject) => {
      const deadline = Date.now() + 5000;
      const probe = () => {
        const found = world.fake.state.groupMessages.find((message) => message.openConversationId === setup.group.openConversationId && message.msgKey === 'sampleMarkdown');
        if (found) resolve(found.msgParam.text);
        else if (Date.now() > deadline) reject(new Error('no page'));
        else setTimeout(probe, 20);
      };
      probe();
    });
    expect(page).toMatch(/^@Bob Escalation level 1: incident #\d+ /);
    expect(world.directTexts(bob).some((text) => text.startsWith('Escalation level 1'))).toBe(true);
  });
});
