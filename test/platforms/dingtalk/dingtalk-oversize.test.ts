/**
 * 100 KB alert texts and long names on DingTalk: every card variable within its cap, the card within the size DingTalk
 * takes, robot messages within their text limit, mentions kept whole, no half emoji — the fake refuses what is over.
 */
import { DINGTALK_LIMITS } from '../../../src/platforms/dingtalk/dingtalk-limits.js';
import type { DingTalkPlatform } from '../../../src/platforms/dingtalk/dingtalk.platform.js';
import { FAKE_DINGTALK_SIZES } from '../../fakes/dingtalk-open-api.js';
import { DingTalkAppWorld } from '../../support/dingtalk-app-world.js';
import { oversizeView as overlongView, repeatTo } from '../../support/oversize-view.js';

const KB = 1024;
/** Markup, escapes that grow, CJK and emoji. */
const HOSTILE = '<!channel> <at user_id="all">所有人</at> [x](dtmd://a) & "quotes" \\ 磁盘已满 🔥\n';
const hostile = (bytes: number) => repeatTo(HOSTILE, bytes);

const oversizeView = () => overlongView(HOSTILE);

const HALF_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('100 KB texts on DingTalk', () => {
  let world: DingTalkAppWorld;

  beforeAll(async () => {
    world = await DingTalkAppWorld.start('sqlite', 'dingtalk_oversize');
  });
  afterAll(async () => {
    await world?.stop();
  });

  const platform = () => world.service.destinations.capability('dingtalk', 'notices') as unknown as DingTalkPlatform;

  it('an incident whose every text is 100 KB is delivered and updated as a card within every cap, with no half emoji', async () => {
    const setup = await world.boundGroup([]);
    const view = oversizeView();
    const outTrackId = await platform().postIncidentCard(setup.group.openConversationId, view);
    const card = world.fake.state.cards.get(outTrackId)!;
    expect(card.params.title.length).toBeLessThanOrEqual(DINGTALK_LIMITS.cardTitle);
    expect(card.params.channelName.length).toBeLessThanOrEqual(DINGTALK_LIMITS.channelName);
    expect(card.params.description.length).toBeLessThanOrEqual(DINGTALK_LIMITS.cardDescription);
    expect(card.params.activity.length).toBeLessThanOrEqual(DINGTALK_LIMITS.cardActivity);
    for (const value of Object.values(card.params)) expect(value).not.toMatch(HALF_SURROGATE);
    expect(Buffer.byteLength(JSON.stringify(card.params))).toBeLessThanOrEqual(FAKE_DINGTALK_SIZES.cardDataBytes);
    // Escaped: the markdown shows no tag and no link.
    expect(card.params.description).not.toMatch(/<at|<!channel>/);

    expect(await platform().updateIncidentCard(setup.group.openConversationId, outTrackId, { ...view, status: 'closed', closed: view.acknowledged })).toBe('updated');
    expect(card.params.statusLabel).toBe('Closed');
    expect(world.fake.state.requests.filter((request) => request.status !== 200)).toEqual([]);
  });

  it('a 100 KB page keeps its mentions whole; direct and chat texts are cut to the message limit', async () => {
    const bob = await world.person('Bob');
    const setup = await world.boundGroup([bob]);
    const long = `${'警'.repeat(60_000)}😀${'y'.repeat(40_000)}`;
    const mentions = Array.from({ length: 30 }, (_, i) => ({ externalId: i === 0 ? bob.user.staffId : `staff-other-${i}`, name: `${'Name'.repeat(40)} ${i}` }));
    await platform().sendChatNotice(setup.group.openConversationId, long, mentions, 'oversize-page');
    const page = world.fake.state.cardsIn(setup.group.openConversationId).find((card) => card.params.notice)!;
    expect(Object.keys(page.atUserIds)).toHaveLength(30);
    expect(page.params.notice.length).toBeLessThanOrEqual(DINGTALK_LIMITS.cardDescription);

    await platform().sendDirectText(bob.user.staffId, long);
    await platform().sendChatText(setup.group.openConversationId, long);
    const direct = world.directTexts(bob).at(-1)!;
    const chat = world.groupTexts(setup.group).at(-1)!;
    for (const sent of [direct, chat]) {
      expect(sent.length).toBeLessThanOrEqual(DINGTALK_LIMITS.plainText);
      expect(sent.endsWith('…')).toBe(true);
      expect(sent).not.toMatch(HALF_SURROGATE);
    }
  });

  it('without a template, a page in markdown keeps every @name whole within the message limit', async () => {
    const fallback = await DingTalkAppWorld.start('sqlite', 'dingtalk_oversize_md', { template: false });
    try {
      const carol = await fallback.person('Carol');
      const setup = await fallback.boundGroup([carol]);
      const notices = fallback.service.destinations.capability('dingtalk', 'notices')!;
      const mentions = Array.from({ length: 10 }, (_, i) => ({ externalId: `s${i}`, name: `Person ${i}` }));
      await notices.sendChatNotice(setup.group.openConversationId, 'z'.repeat(100_000), mentions);
      const [message] = fallback.fake.state.groupMessages.filter((sent) => sent.msgKey === 'sampleMarkdown');
      expect(message.msgParam.text.length).toBeLessThanOrEqual(DINGTALK_LIMITS.messageText);
      for (let i = 0; i < 10; i++) expect(message.msgParam.text).toContain(`@Person ${i} `);

      // The template-free incident message of a view whose every text is 100 KB.
      const cards = fallback.service.destinations.capability('dingtalk', 'cards')!;
      await cards.postIncidentCard(setup.group.openConversationId, oversizeView());
      const [incident] = fallback.fake.state.groupMessages.filter((sent) => sent.msgKey === 'sampleActionCard');
      expect(incident.msgParam.text.length).toBeLessThanOrEqual(DINGTALK_LIMITS.messageText);
      expect(incident.msgParam.title.length).toBeLessThanOrEqual(DINGTALK_LIMITS.messageTitle);
      expect(incident.msgParam.text).not.toMatch(HALF_SURROGATE);
      expect(incident.msgParam.text).not.toMatch(/<at|<!channel>|\]\(dtmd/);
    } finally {
      await fallback.stop();
    }
  });
});
