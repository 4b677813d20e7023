/**
 * One incident bound to a Feishu chat, a Slack channel and a DingTalk group, on one service with all three apps: the
 * same state in all three, and a click in any of them updates the other two.
 */
import { renderDingTalkCardParams } from '../../../src/platforms/dingtalk/dingtalk-card.renderer.js';
import { renderFeishuIncidentCard } from '../../../src/platforms/feishu/feishu-card.renderer.js';
import { cardActionEvent } from '../../fakes/feishu-callbacks.js';
import { startFakeFeishu, type FakeFeishu } from '../../fakes/feishu-open-api.js';
import { cardStatus, postCallback, randomHex, type FeishuAppSecrets } from '../../support/feishu-app-helpers.js';
import { slackStatus } from '../../support/slack-app-helpers.js';
import { SlackAppWorld } from '../../support/slack-app-world.js';
import { DingTalkAppWorld, type DingTalkPerson } from '../../support/dingtalk-app-world.js';

describe('an incident in a Feishu chat, a Slack channel and a DingTalk group', () => {
  let slack: SlackAppWorld;
  let feishu: FakeFeishu;
  let secrets: FeishuAppSecrets;
  let world: DingTalkAppWorld;

  beforeAll(async () => {
    // The Slack world lends its fake workspace and signed requests; the service under test is the DingTalk world's.
    slack = await SlackAppWorld.start('sqlite', 'mirrors_slack');
    feishu = await startFakeFeishu({ apps: {} });
    secrets = { ...feishu.state.newApp(), verificationToken: `vt_${randomHex(12)}`, encryptKey: `ek_${randomHex(16)}` };
    world = await DingTalkAppWorld.start('mariadb', 'dingtalk_mirrors', {
      extra: { ...slack.config(), feishu: { ...secrets, domain: feishu.url, connection: 'webhook' } },
    });
  });
  afterAll(async () => {
    await world?.stop();
    await feishu?.close();
    await slack?.stop();
  });

  /** Alice on all three with one email (one member), and one channel bound on all three. */
  async function setupAll() {
    const service = world.service;
    const alice = await slack.person('Alice', { on: service });
    const feishuAlice = feishu.state.addUser({ name: 'Alice', email: alice.email });
    const dingAlice: DingTalkPerson = { user: world.fake.state.addUser({ name: 'Alice', email: alice.email, mobile: '13700001111' }), email: alice.email, member: alice.member };
    const setup = await slack.boundChannel([alice], { on: service });
    const chat = feishu.state.addChat({ name: `${setup.channel.name} room`, memberOpenIds: [feishuAlice.open_id] });
    const group = world.fake.state.addGroup({ title: `${setup.channel.name} group`, members: [dingAlice.user.staffId] });
    for (const [platform, chatId] of [
      ['feishu', chat.chatId],
      ['dingtalk', group.openConversationId],
    ]) {
      expect((await service.api('POST', '/chat-bindings', { platform, chatId, channelId: setup.channel.id })).status).toBe(201);
    }
    return { alice, feishuAlice, dingAlice, setup, chatId: chat.chatId, group };
  }

  it('a click in DingTalk updates the Feishu card and the Slack message; a click on Slack or Feishu updates the DingTalk card', async () => {
    const service = world.service;
    const { alice, feishuAlice, dingAlice, setup, chatId, group } = await setupAll();

    // Incident 1: acknowledged in DingTalk.
    const first = await slack.triggerWithMessage(setup, service);
    const firstDing = world.incidentCardsIn(group).at(-1)!;
    const firstFeishu = feishu.state.cardsInChat(chatId).at(-1)!;
    expect([firstDing.params.statusLabel, cardStatus(firstFeishu.content), slackStatus(first.message)]).toEqual(['Triggered', 'Triggered', 'Triggered']);
    expect(await world.click(dingAlice, firstDing, 'acknowledge')).toMatchObject({ toast: `Acknowledged #${first.incident.id}` });
    await service.services.cards.idle();
    const view = await service.services.views.build(first.incident.id);
    expect(feishu.state.messages.get(firstFeishu.messageId)!.content).toEqual(renderFeishuIncidentCard(view));
    expect(slackStatus(slack.latest(first.message))).toBe('Acknowledged');
    expect(firstDing.params).toEqual(renderDingTalkCardParams(view));

    // Incident 2: closed on Slack.
    const second = await slack.triggerWithMessage(setup, service);
    const secondDing = world.incidentCardsIn(group).at(-1)!;
    expect((await slack.clickAndAnswer(alice, second.message, 'oncall:close', { on: service })).body.text).toBe(`Closed #${second.incident.id}`);
    await service.services.cards.idle();
    expect(secondDing.params.statusLabel).toBe('Closed');
    expect(world.updatesOf(secondDing).map((request) => request.status)).toEqual([200]);

    // Incident 3: acknowledged on Feishu.
    const third = await slack.triggerWithMessage(setup, service);
    const thirdDing = world.incidentCardsIn(group).at(-1)!;
    const thirdFeishu = feishu.state.cardsInChat(chatId).at(-1)!;
    const click = cardActionEvent({
      operatorOpenId: feishuAlice.open_id,
      value: { action: 'acknowledge', incidentId: third.incident.id },
      openMessageId: thirdFeishu.messageId,
      openChatId: chatId,
      appId: secrets.appId,
      tenantKey: feishu.state.tenantKey,
      token: secrets.verificationToken,
    });
    expect((await postCallback(service, secrets, click)).body.toast).toEqual({ type: 'success', content: `Acknowledged #${third.incident.id}` });
    await service.services.cards.idle();
    expect(thirdDing.params).toEqual(renderDingTalkCardParams(await service.services.views.build(third.incident.id)));
    expect(thirdDing.params.statusLabel).toBe('Acknowledged');

    // One member acted on all three: linked once on each.
    const identities = (await service.api('GET', `/members/${alice.member!.id}/im-identities`)).body.items as any[];
    expect(identities.map((identity) => [identity.platform, identity.externalId]).sort()).toEqual(
      [
        ['dingtalk', dingAlice.user.staffId],
        ['feishu', feishuAlice.open_id],
        ['slack', alice.user.id],
      ].sort(),
    );
  });
});
