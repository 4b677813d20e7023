/**
 * The renderers and senders must not rely on anything upstream keeping text short: an incident whose every text is
 * 100 KB or more (title, description, channel and rule names, names of people, timeline lines) still posts and updates
 * as a Slack message and a Feishu card, and 100 KB notices and direct messages still go out — through the real Slack
 * and Feishu clients, to fakes that refuse what the real APIs refuse.
 */
import { FeishuApi } from '../../src/platforms/feishu/feishu-api.js';
import { FeishuPlatform } from '../../src/platforms/feishu/feishu.platform.js';
import { SlackApi } from '../../src/platforms/slack/slack-api.js';
import { SlackPlatform } from '../../src/platforms/slack/slack.platform.js';
import { createLogger } from '../../src/lib/logger.js';
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-open-api.js';
import { slackVisibleText, startFakeSlack, type FakeSlack } from '../fakes/slack-web-api.js';
import { cardText, textOf } from '../support/feishu-app-helpers.js';
import { allBlocks } from '../support/slack-app-helpers.js';
import { oversizeView as overlongView, repeatTo } from '../support/oversize-view.js';

const KB = 1024;
/** Markup, escapes that grow, quotes and control characters that JSON escaping grows, CJK and emoji. */
const HOSTILE = '<!channel> <@U0123ABCD> <at user_id="all">所有人</at> & "quotes" \\ 磁盘已满 🔥\u0001\n';
const hostile = (bytes: number) => repeatTo(HOSTILE, bytes);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const oversizeView = () => overlongView(HOSTILE);

const logger = createLogger('silent');

describe('100 KB texts on Slack', () => {
  let fake: FakeSlack;
  let platform: SlackPlatform;

  beforeAll(async () => {
    fake = await startFakeSlack({ botToken: 'xoxb-oversize', postingLimit: { enabled: false } });
    platform = new SlackPlatform(new SlackApi({ botToken: 'xoxb-oversize', connection: 'http', apiUrl: fake.url }, logger));
  });
  afterAll(() => fake?.close());

  it('an incident message is posted and updated, every text within its limit, no broadcast in any mrkdwn, no half emoji', async () => {
    const channel = fake.state.addChannel({ name: 'oversize' });
    const ts = await platform.postIncidentCard(channel.id, oversizeView());
    expect(await platform.updateIncidentCard(channel.id, ts, { ...oversizeView(), status: 'closed', closed: { by: hostile(100 * KB), at: new Date() } })).toBe('updated');
    const message = fake.state.message(channel.id, ts)!;
    expect(fake.state.requests.filter((request) => !request.ok)).toEqual([]);
    expect(message.history).toHaveLength(2);

    for (const version of message.history) {
      expect(version.text.length).toBeLessThanOrEqual(40_000);
      const texts = [version.text, ...allBlocks(version).flatMap((block) => [block.text, ...(block.fields ?? []), ...(block.elements ?? [])].map((node) => node?.text?.text ?? node?.text))];
      for (const text of texts.filter((value): value is string => typeof value === 'string')) expect(text).not.toMatch(LONE_SURROGATE);
      const mrkdwn = [version.text, ...allBlocks(version).flatMap((block) => [block.text, ...(block.fields ?? []), ...(block.elements ?? [])]).filter((node) => node?.type === 'mrkdwn').map((node) => node.text)];
      for (const text of mrkdwn) expect(text).not.toMatch(/<[!@#](?!date\^\d+\^)/); // only our own <!date^…> times
    }
    // The description is cut with an ellipsis; what is left is whole escapes.
    const description = allBlocks(message).find((block) => block.type === 'section' && block.text)!.text.text as string;
    expect(description.endsWith('…')).toBe(true);
    expect(description.replace(/&(amp|lt|gt);/g, '')).not.toMatch(/&/);
    expect(slackVisibleText(description).startsWith(HOSTILE)).toBe(true);
  });

  it('a 100 KB notice keeps all its mentions whole and is cut to 40,000 characters; direct and chat texts as well', async () => {
    const people = Array.from({ length: 50 }, (_, i) => fake.state.addUser({ name: `person${i}` }));
    const channel = fake.state.addChannel({ name: 'oversize-notices', members: people.map((person) => person.id) });
    await platform.sendChatNotice(channel.id, hostile(100 * KB), people.map((person) => ({ externalId: person.id, name: hostile(1 * KB) })));
    await platform.sendChatText(channel.id, hostile(100 * KB));
    await platform.sendDirectText(people[0].id, hostile(100 * KB));
    expect(fake.state.requests.filter((request) => !request.ok)).toEqual([]);

    const [notice, text] = fake.state.messagesIn(channel.id);
    expect(notice.text.length).toBeLessThanOrEqual(40_000);
    expect([...notice.text.matchAll(/<([!@#][^<>]*)>/g)].map((match) => match[1])).toEqual(people.map((person) => `@${person.id}`));
    expect(notice.text.endsWith('…')).toBe(true);
    for (const sent of [notice, text, fake.state.dmsTo(people[0].id)[0]]) {
      expect(sent.text.length).toBeLessThanOrEqual(40_000);
      expect(sent.text).not.toMatch(LONE_SURROGATE);
      expect(sent.text.replace(/<@U[A-Z0-9]+>/g, '')).not.toMatch(/[<>]/);
    }
  });
});

describe('100 KB texts on Feishu', () => {
  let fake: FakeFeishu;
  let platform: FeishuPlatform;

  beforeAll(async () => {
    fake = await startFakeFeishu({ apps: {} });
    const app = fake.state.newApp();
    platform = new FeishuPlatform(new FeishuApi({ ...app, domain: fake.url, connection: 'webhook' }, logger));
  });
  afterAll(() => fake?.close());

  const messageCalls = () => fake.state.requests.filter((request) => request.path.startsWith('/open-apis/im/v1/messages'));

  it('an incident card is posted and updated within 30 KB, with no <at> in its markdown and no half emoji', async () => {
    const chat = fake.state.addChat({ name: 'oversize', memberOpenIds: [] });
    const messageId = await platform.postIncidentCard(chat.chatId, oversizeView());
    expect(await platform.updateIncidentCard(chat.chatId, messageId, { ...oversizeView(), status: 'closed', closed: { by: hostile(100 * KB), at: new Date() } })).toBe('updated');
    expect(messageCalls().map((request) => [request.method, request.status, request.code])).toEqual([
      ['POST', 200, 0],
      ['PATCH', 200, 0],
    ]);
    for (const request of messageCalls()) expect(Buffer.byteLength(JSON.stringify(request.body))).toBeLessThanOrEqual(30 * KB);

    const card = fake.state.messages.get(messageId)!;
    for (const version of card.history) {
      const text = cardText(version.content);
      expect(text).not.toMatch(LONE_SURROGATE);
      expect(text).toContain('…');
      const markdown = JSON.stringify((version.content as any).body);
      expect(markdown).not.toMatch(/<at\b/);
    }
    // The card still has its buttons, status and figures; only long texts gave way.
    expect(card.content.header.text_tag_list[0].text.content).toBe('Closed');
    expect(cardText(card.content)).toContain('**Received**\n1 alert, 1 event');
    // The times stay whole tags: a cut never leaves half a <local_datetime>.
    const times = cardText(card.content).match(/<\/?local_datetime\b[^>]*>/g) ?? [];
    expect(times.length).toBeGreaterThan(0);
    expect(times.filter((tag) => tag.startsWith('</')).length * 2).toBe(times.length);
  });

  it('a 300 KB notice (100,000 CJK characters) keeps all its mentions whole and fits 150 KB; direct and chat texts as well', async () => {
    const people = Array.from({ length: 50 }, (_, i) => fake.state.addUser({ name: `Person ${i}` }));
    const chat = fake.state.addChat({ name: 'oversize-notices', memberOpenIds: people.map((person) => person.open_id) });
    const cjk = '磁'.repeat(100_000);
    const before = messageCalls().length;
    await platform.sendChatNotice(chat.chatId, cjk, people.map((person) => ({ externalId: person.open_id, name: hostile(1 * KB) })));
    await platform.sendChatText(chat.chatId, hostile(200 * KB));
    await platform.sendDirectText(people[0].open_id, hostile(200 * KB));
    const calls = messageCalls().slice(before);
    expect(calls.map((request) => request.code)).toEqual([0, 0, 0]);
    for (const request of calls) expect(Buffer.byteLength(JSON.stringify(request.body))).toBeLessThanOrEqual(150 * KB);

    const texts = [...fake.state.messages.values()].filter((message) => message.msgType === 'text').map(textOf);
    const notice = texts.find((text) => text.includes('磁磁磁'))!;
    expect([...notice.matchAll(/<at user_id="([^"]+)">[^<]*<\/at>/g)].map((match) => match[1])).toEqual(people.map((person) => person.open_id));
    expect(notice.endsWith('…')).toBe(true);
    for (const text of texts) {
      expect(text).not.toMatch(LONE_SURROGATE);
      expect(text).not.toMatch(/<at user_id="all"/);
    }
  });
});
