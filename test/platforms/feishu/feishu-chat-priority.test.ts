/**
 * A chat's outgoing queue, end to end against the fake Open API (which refuses a sixth send in a chat within a second,
 * as Feishu does): in a storm of new incidents, an escalation page to the same chat goes out ahead of the cards still
 * waiting, and a card update waits behind them — while the chat is never sent more than Feishu allows, and every card
 * is posted in the end.
 */
import { startFakeFeishu, type FakeFeishu } from '../../fakes/feishu-open-api.js';
import { act, createRule, createTeam, newFeishuApp, pagesFor, trigger, waitUntil } from '../../support/escalation-helpers.js';
import { callbackValues, textOf } from '../../support/feishu-app-helpers.js';
import { startTestService, type TestService } from '../../support/test-service.js';

const STORM = 40;
/** Alerts that come after the card update was queued. */
const LATER = 5;
/** Only this alert matches the escalation rule: the storm's incidents page nobody. */
const PAGE_ME = 'PAGE-ME';
const FEISHU_FREQUENCY_LIMIT = 230020;

let fake: FakeFeishu;
let service: TestService;

beforeAll(async () => {
  fake = await startFakeFeishu({ apps: {} });
  service = await startTestService('sqlite', 'feishu_chat_priority', { feishu: newFeishuApp(fake).config });
}, 30_000);
afterAll(async () => {
  await service?.stop();
  await fake?.close();
});

it(
  `${STORM} new incidents queue their cards in one chat: an escalation page to it overtakes the waiting cards, a card update waits for all new cards`,
  async () => {
    const team = await createTeam(service, fake, 'storm');
    await createRule(service, team, [{ people: [team.alice], waitMinutes: 60, notifyGroupChats: true, notifyDirect: true }], {
      filters: { conditions: [{ field: 'any', op: 'contains', value: PAGE_ME }] },
    });

    await Promise.all(Array.from({ length: STORM }, (_, i) => trigger(service, team, `Disk full on host-${i}`)));
    const paged = await trigger(service, team, `Payments are failing ${PAGE_ME}`);
    await waitUntil('the group notice', () => pagesFor(fake, team, paged.id).find((page) => page.via === 'group'), 20_000);
    // A card already posted changes while the storm's cards still wait, and more incidents come after the change:
    // the card's update waits for every new card, those that came after it too.
    const firstCard = fake.state.cardsInChat(team.chatId)[0];
    const { incidentId } = callbackValues(firstCard.content)[0] as { incidentId: number };
    await act(service, incidentId, 'acknowledge', team.alice);
    await Promise.all(Array.from({ length: LATER }, (_, i) => trigger(service, team, `Disk full on late host-${i}`)));
    await service.services.cards.idle();

    const inChat = fake.state.messagesInChat(team.chatId);
    const cards = inChat.filter((message) => message.msgType === 'interactive');
    expect(cards).toHaveLength(STORM + 1 + LATER);
    const noticeAt = inChat.findIndex((message) => textOf(message).includes(`Escalation level 1: incident #${paged.id} `));
    expect(noticeAt).toBeGreaterThan(-1);
    const cardsBefore = inChat.slice(0, noticeAt).filter((message) => message.msgType === 'interactive').length;
    process.stdout.write(`[chat priority] the page went out after ${cardsBefore} of ${cards.length} cards\n`);
    expect(cardsBefore).toBeLessThan(STORM / 2);

    const patches = fake.state.requestsTo(`/open-apis/im/v1/messages/${firstCard.messageId}`, 'PATCH');
    expect(patches.map((request) => request.code)).toEqual([0]);
    const lastCardAt = Math.max(...cards.map((card) => card.createTime));
    expect(patches[0].at).toBeGreaterThanOrEqual(lastCardAt);

    // Never faster than Feishu allows: no send or update was refused for the chat's or message's rate.
    expect(fake.state.requests.filter((request) => request.code === FEISHU_FREQUENCY_LIMIT)).toEqual([]);
  },
  60_000,
);

