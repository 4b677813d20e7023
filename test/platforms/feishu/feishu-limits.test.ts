/**
 * The last line of defence for the 30 KB card limit: whatever a template and its values add up to, the card that goes
 * out fits — the long texts give way, the short ones (labels, buttons) stay whole — and Feishu (the fake) takes it.
 */
import { OutgoingPriority } from '../../../src/platforms/outgoing-priority.js';
import { FeishuApi } from '../../../src/platforms/feishu/feishu-api.js';
import { toFeishuAnswer } from '../../../src/platforms/feishu/feishu-events.js';
import { cardWireBytes, FEISHU_LIMITS, fitFeishuCard, wireBytes } from '../../../src/platforms/feishu/feishu-limits.js';
import { createLogger } from '../../../src/lib/logger.js';
import { startFakeFeishu, type FakeFeishu } from '../../fakes/feishu-open-api.js';

const markdown = (content: string) => ({ tag: 'markdown', content });

/** A card with texts of the given sizes and a button, as a template might grow it. */
function cardWith(...texts: string[]) {
  return {
    schema: '2.0',
    config: { update_multi: true },
    header: { title: { tag: 'plain_text', content: `Title ${'t'.repeat(500)}` }, subtitle: { tag: 'plain_text', content: `#1 · ${'s'.repeat(500)}` }, template: 'red' },
    body: { elements: [...texts.map(markdown), { tag: 'button', text: { tag: 'plain_text', content: 'Acknowledge' }, behaviors: [{ type: 'callback', value: { action: 'acknowledge', incidentId: 1 } }] }] },
  };
}

describe('fitting a card into 30 KB', () => {
  let fake: FakeFeishu;
  let api: FeishuApi;
  beforeAll(async () => {
    fake = await startFakeFeishu({ apps: {} });
    api = new FeishuApi({ ...fake.state.newApp(), domain: fake.url, connection: 'webhook' }, createLogger('silent'));
  });
  afterAll(() => fake?.close());

  it('leaves a card that fits as it is, except title and subtitle cut to their lengths', () => {
    const card = fitFeishuCard(cardWith('short', 'also short'));
    expect(card.header.title.content).toHaveLength(FEISHU_LIMITS.cardTitleChars);
    expect(card.header.subtitle.content).toHaveLength(FEISHU_LIMITS.cardSubtitleChars);
    expect(card.body.elements.map((element: any) => element.content ?? element.text.content)).toEqual(['short', 'also short', 'Acknowledge']);
  });

  it('cuts the longest texts to one common length, keeps the short ones whole, and the fake takes the card', async () => {
    // Quotes grow 4× in the request body (escaped twice), CJK 3×: together far over 30 KB.
    const card = cardWith('"quoted" '.repeat(3000), '磁盘已满'.repeat(4000), 'a small line', '<at id=all></at>'.repeat(10));
    expect(cardWireBytes(card)).toBeGreaterThan(90 * 1024);
    fitFeishuCard(card);
    expect(cardWireBytes(card)).toBeLessThanOrEqual(FEISHU_LIMITS.cardBodyBytes - FEISHU_LIMITS.envelopeBytes);
    const [quoted, cjk, small, tags, button] = card.body.elements as any[];
    expect(small.content).toBe('a small line');
    expect(tags.content).toBe('<at id=all></at>'.repeat(10));
    expect(button.text.content).toBe('Acknowledge');
    expect(quoted.content.endsWith('…')).toBe(true);
    expect(cjk.content.endsWith('…')).toBe(true);
    // The two long texts share the room: neither is more than a few bytes over the other.
    expect(Math.abs(wireBytes(quoted.content) - wireBytes(cjk.content))).toBeLessThan(8);

    const chat = fake.state.addChat({ name: 'fit', memberOpenIds: [] });
    const messageId = await api.sendCard(chat.chatId, card, OutgoingPriority.newCard);
    expect(fake.state.messages.get(messageId)!.content).toEqual(card);
  });
});

describe('a click answer', () => {
  it('keeps the toast to a few words: "paging" fifty long names is cut, not shown as a page of text', () => {
    const names = Array.from({ length: 50 }, (_, i) => `${i} ${'Very-Long-Surname-'.repeat(5)}`);
    const answer = toFeishuAnswer({ toast: { kind: 'success', text: `Escalated #7 to level 2: paging ${names.join(', ')}` } });
    expect(answer.toast.content.length).toBeLessThanOrEqual(FEISHU_LIMITS.toastChars);
    expect(answer.toast.content).toMatch(/^Escalated #7 to level 2: paging 0 Very-Long-Surname-.*…$/);
    expect(toFeishuAnswer({ toast: { kind: 'info', text: 'Acknowledged #7' } }).toast.content).toBe('Acknowledged #7');
  });
});
