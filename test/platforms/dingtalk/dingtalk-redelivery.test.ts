/**
 * Clicks over a Stream link that drops: a click DingTalk delivers again (its ack was lost) is answered again and acted
 * on once; a reconnect in the middle of a storm of clicks loses none and doubles none.
 */
import { DINGTALK_TOPIC_CARD } from '../../../src/platforms/dingtalk/dingtalk-stream-connection.js';
import { shownButtons } from '../../fakes/dingtalk-card-template.js';
import type { FakeDingTalkCard } from '../../fakes/dingtalk-open-api.js';
import { randomHex, waitFor } from '../../support/feishu-app-helpers.js';
import { incidentDetail } from '../../support/feishu-helpers.js';
import { DingTalkAppWorld, type DingTalkPerson } from '../../support/dingtalk-app-world.js';

describe('DingTalk clicks over a Stream link that drops', () => {
  let world: DingTalkAppWorld;

  beforeAll(async () => {
    world = await DingTalkAppWorld.start('mariadb', 'dingtalk_redelivery');
  });
  afterAll(async () => {
    await world?.stop();
  });

  const clickData = (who: DingTalkPerson, card: FakeDingTalkCard, action: string) => {
    const callback = shownButtons(card.params).find((button) => button.callback?.actionId === action)!.callback!;
    return {
      type: 'actionCallback',
      outTrackId: card.outTrackId,
      userId: who.user.staffId,
      spaceType: 'IM_GROUP',
      spaceId: card.openConversationId,
      content: JSON.stringify({ cardPrivateData: { actionIds: [action], params: callback.params } }),
    };
  };
  const acknowledgements = async (incidentId: number) => (await incidentDetail(world.service, incidentId)).timeline.filter((entry) => entry.kind === 'acknowledged').length;

  it('a click delivered again under its message id gets the same answer and acknowledges once', async () => {
    const alice = await world.person('Alice');
    const setup = await world.boundGroup([alice]);
    const { incident, card } = await world.triggerWithCard(setup);
    const data = clickData(alice, card, 'acknowledge');

    // Message ids are remembered in Redis across runs: a fresh one per run.
    const messageId = `click-once-${randomHex(8)}`;
    const first = (await world.callbacks.deliver(DINGTALK_TOPIC_CARD, data, messageId)) as any;
    const again = (await world.callbacks.deliver(DINGTALK_TOPIC_CARD, data, messageId)) as any;
    expect(first.userPrivateData.cardParamMap).toEqual({ toast: `Acknowledged #${incident.id}`, toastKind: 'success' });
    expect(again).toEqual(first);
    expect(await acknowledgements(incident.id)).toBe(1);
  });

  it('the link drops in the middle of a storm of clicks: every click is answered after the reconnect, each incident acknowledged once', async () => {
    const people = await Promise.all(Array.from({ length: 5 }, (_, i) => world.person(`Clicker ${i}`)));
    const setups = await Promise.all(Array.from({ length: 5 }, () => world.boundGroup(people)));
    const cards = [];
    for (const setup of setups) for (let i = 0; i < 4; i++) cards.push(await world.triggerWithCard(setup));
    const gateway = world.callbacks.gateway;

    const pushed = cards.map(({ card }, index) => gateway.push(DINGTALK_TOPIC_CARD, clickData(people[index % people.length], card, 'acknowledge')));
    gateway.dropConnections();
    const acks = await Promise.all(pushed.map((frame) => frame.ack(20_000)));
    await waitFor('one live connection again', () => (gateway.liveSockets === 1 ? true : undefined), 10_000);

    for (const [index, ack] of acks.entries()) {
      const response = (ack.data as { response?: any }).response;
      // A click handled before the drop whose ack was lost is answered again from memory: the same first answer.
      expect(response.userPrivateData.cardParamMap.toast).toBe(`Acknowledged #${cards[index].incident.id}`);
    }
    for (const { incident } of cards) expect(await acknowledgements(incident.id)).toBe(1);
    expect(gateway.liveSockets).toBe(1);
  });
});
