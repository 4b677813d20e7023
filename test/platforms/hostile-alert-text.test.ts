/**
 * Alert text is hostile, and people's names are long: whatever lands in a Slack message or a Feishu card must neither
 * notify anyone nor break the platform's limits. Alerts come in through the Feishu-compatible hook; what Slack and
 * Feishu are sent is read back from their fakes, which refuse what the real APIs refuse (invalid_blocks and
 * msg_too_long; 230025 for a card body over 30 KB or a text body over 150 KB).
 */
import { createChannel, createMember } from '../support/admin-helpers.js';
import { DATABASE_KINDS, REDIS_TEST_URL } from '../support/databases.js';
import { cardText, randomHex, textOf, waitFor } from '../support/feishu-app-helpers.js';
import { FEISHU_SUCCESS, createIntegration, incidentsOfChannel, postMessage, type CreatedIntegration } from '../support/feishu-helpers.js';
import { allBlocks, slackTitle } from '../support/slack-app-helpers.js';
import { FORM_CONTENT_TYPE, sendToApp, signedRequest, slashCommandBody, workspaceOf } from '../support/slack-requests.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { startFakeFeishu, type FakeFeishu, type FakeMessage } from '../fakes/feishu-open-api.js';
import { slackVisibleText, startFakeSlack, type FakeSlack, type FakeSlackChannel, type FakeSlackMessage } from '../fakes/slack-web-api.js';

const BOT_TOKEN = 'xoxb-hostile';

/** Every way Slack mrkdwn and Feishu text can notify or mention, in one title. */
const HOSTILE_TITLE = 'DB down <!channel> <!here> <!everyone> <@U0123ABCD> <#C0123ABCD> <!subteam^S0123ABCD> <at user_id="all">所有人</at> & co';

/** Markup in Slack mrkdwn that notifies or links someone: `<!…>`, `<@…>`, `<#…>` (a `<!date^…>` time notifies nobody). */
const slackMarkup = (text: string) => [...text.matchAll(/<([!@#](?!date\^\d+\^)[^<>]*)>/g)].map((match) => match[1]);

/** Every text of a Slack message that Slack reads as mrkdwn: the top-level text and the mrkdwn text objects. */
function slackMrkdwnTexts(message: Pick<FakeSlackMessage, 'text' | 'blocks' | 'attachments'>): string[] {
  const texts = [message.text];
  const add = (node: any) => {
    if (node?.type === 'mrkdwn' && typeof node.text === 'string') texts.push(node.text);
  };
  for (const block of allBlocks(message)) {
    add(block.text);
    (block.fields ?? []).forEach(add);
    (block.elements ?? []).forEach(add);
  }
  return texts;
}

/** Every markdown content of a Feishu card (where `<at>` would mention someone). */
function feishuMarkdown(card: any): string[] {
  const found: string[] = [];
  const walk = (node: any) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      if (node.tag === 'markdown' && typeof node.content === 'string') found.push(node.content);
      Object.values(node).forEach(walk);
    }
  };
  walk(card);
  return found;
}

describe.each(DATABASE_KINDS)('hostile alert text on Slack and Feishu (%s)', (kind) => {
  let slack: FakeSlack;
  let feishu: FakeFeishu;
  let service: TestService;
  let signingSecret: string;

  beforeAll(async () => {
    slack = await startFakeSlack({ botToken: BOT_TOKEN, postingLimit: { enabled: false } });
    feishu = await startFakeFeishu({ apps: {} });
    const app = feishu.state.newApp();
    signingSecret = randomHex(16);
    service = await startTestService(kind, 'hostile_text', {
      slack: { botToken: BOT_TOKEN, signingSecret, connection: 'http', apiUrl: slack.url },
      feishu: { ...app, verificationToken: `vt_${randomHex(12)}`, encryptKey: `ek_${randomHex(16)}`, domain: feishu.url, connection: 'webhook' },
      ...(kind === 'mariadb' ? { redisUrl: REDIS_TEST_URL } : {}),
    });
  });
  afterAll(async () => {
    await service?.stop();
    await slack?.close();
    await feishu?.close();
  });

  interface Team {
    channelId: number;
    integration: CreatedIntegration;
    slackChannel: FakeSlackChannel;
    chatId: string;
    /** Slack user id and Feishu open_id of each member, in member order. */
    people: Array<{ memberId: number; name: string; slackId: string; openId: string }>;
  }

  /** A channel bound to a Slack channel and a Feishu chat, members linked on both, and a one-level escalation rule paging them in the group chats. */
  async function team(names: string[], channelFields: Record<string, unknown> = {}): Promise<Team> {
    const channel = await createChannel(service, `ops-${randomHex(4)}`, channelFields);
    const integration = await createIntegration(service, { channelId: channel.id });
    const people = [];
    for (const name of names) {
      const member = await createMember(service, name);
      people.push({ memberId: member.id, name, slackId: slack.state.addUser({ name: `u${randomHex(4)}`, realName: name }).id, openId: feishu.state.addUser({ name }).open_id });
    }
    const slackChannel = slack.state.addChannel({ name: channel.name, members: people.map((person) => person.slackId) });
    const chat = feishu.state.addChat({ name: `${channel.name} room`, memberOpenIds: people.map((person) => person.openId) });
    for (const [platform, chatId] of [['slack', slackChannel.id], ['feishu', chat.chatId]]) {
      expect((await service.api('POST', '/chat-bindings', { platform, chatId, channelId: channel.id })).status).toBe(201);
    }
    for (const platform of ['slack', 'feishu'] as const) {
      const mappings = people.map((person) => ({ externalId: platform === 'slack' ? person.slackId : person.openId, memberId: person.memberId }));
      expect((await service.api('POST', '/im-identities', { platform, mappings })).status).toBe(200);
    }
    const rule = await service.api('POST', `/channels/${channel.id}/escalation-rules`, {
      name: `page <!channel> & <at user_id="all"></at>`,
      levels: [{ memberIds: people.map((person) => person.memberId), waitMinutes: 60, notifyGroupChats: true, notifyDirect: false }],
    });
    expect(rule.status).toBe(201);
    return { channelId: channel.id, integration, slackChannel, chatId: chat.chatId, people };
  }

  /** A post alert with this title; once everything it set off is done, the incident, its Slack message and its Feishu card as they are now. */
  async function alert(setup: Team, title: string, text: string) {
    expect(await service.post(setup.integration.path, postMessage(title, text))).toEqual({ status: 200, body: FEISHU_SUCCESS });
    const [incident] = await incidentsOfChannel(service, setup.channelId);
    await service.services.escalations.idle();
    await service.services.cards.idle();
    const message = slack.state.messagesIn(setup.slackChannel.id).find((posted) => posted.attachments !== undefined);
    const card = feishu.state.cardsInChat(setup.chatId).at(-1);
    expect(message).toBeDefined();
    expect(card).toBeDefined();
    return { incident, message: message!, card: card! };
  }

  /** Every Web API call for the channel and every Open API message call, as answered: all must have been taken. */
  function expectAllAccepted(setup: Team) {
    const slackCalls = slack.state.requests.filter((request) => ['chat.postMessage', 'chat.update'].includes(request.method) && request.args.channel === setup.slackChannel.id);
    expect(slackCalls.length).toBeGreaterThan(0);
    expect(slackCalls.filter((request) => !request.ok).map((request) => [request.method, request.error, request.args.errors])).toEqual([]);
    const feishuCalls = feishu.state.requests.filter((request) => request.path.startsWith('/open-apis/im/v1/messages'));
    expect(feishuCalls.filter((request) => request.status !== 200).map((request) => [request.method, request.code])).toEqual([]);
  }

  const noticesIn = (setup: Team) => slack.state.messagesIn(setup.slackChannel.id).filter((posted) => posted.text.includes('Escalation level 1:'));
  const feishuNoticesIn = (setup: Team): FakeMessage[] =>
    [...feishu.state.messages.values()].filter((message) => message.chatId === setup.chatId && message.msgType === 'text' && textOf(message).includes('Escalation level 1:'));

  it('a title with <!channel>, <!here>, <@U…> and <at user_id="all"> mentions nobody: not in the Slack text or blocks, not in the Feishu card, not in the page, not in a command answer', async () => {
    const setup = await team(['Alice']);
    const [alice] = setup.people;
    // As long a description as the hook takes (20 KB body), full of markup.
    const description = `${HOSTILE_TITLE}\n`.repeat(120);
    const { incident, message, card } = await alert(setup, HOSTILE_TITLE, description);
    expect(incident.title).toBe(HOSTILE_TITLE);

    // Slack: nothing Slack reads as mrkdwn holds a broadcast, a mention or a channel link; people see the title as written.
    for (const text of slackMrkdwnTexts(message)) expect(slackMarkup(text)).toEqual([]);
    expect(slackVisibleText(message.text)).toBe(`#${incident.id} [Triggered] ${HOSTILE_TITLE}`);
    expect(slackTitle(message)).toBe(HOSTILE_TITLE); // plain_text: shown as written, never parsed
    // The page mentions exactly the person paged.
    const [notice] = await waitFor('the Slack page', () => noticesIn(setup)[0] && noticesIn(setup));
    expect(slackMarkup(notice.text)).toEqual([`@${alice.slackId}`]);
    expect(slackVisibleText(notice.text)).toContain(`"${HOSTILE_TITLE}"`);

    // Feishu: no <at> in any markdown of the card; the page @mentions exactly the person paged.
    for (const markdown of feishuMarkdown(card.content)) expect(markdown).not.toMatch(/<at\b/i);
    expect(card.content.header.title.content).toBe(HOSTILE_TITLE);
    const [feishuNotice] = await waitFor('the Feishu page', () => feishuNoticesIn(setup)[0] && feishuNoticesIn(setup));
    expect([...textOf(feishuNotice).matchAll(/<at\b[^>]*>/g)].map((tag) => tag[0])).toEqual([`<at user_id="${alice.openId}">`]);

    // A command's answer lists the title: escaped as well.
    const responseUrl = slack.state.newResponseUrl({ kind: 'command', channel: setup.slackChannel.id, user: alice.slackId });
    const user = slack.state.users.get(alice.slackId)!;
    const body = slashCommandBody(workspaceOf(slack), { text: 'list', user, channel: setup.slackChannel, responseUrl });
    expect((await sendToApp(service.url, signedRequest(signingSecret, body, FORM_CONTENT_TYPE))).status).toBe(200);
    const answer = await waitFor('the list answer', () => slack.state.responsesTo(responseUrl)[0]);
    expect(slackVisibleText(answer.body.text)).toContain(`#${incident.id} [triggered] ${HOSTILE_TITLE}`);
    expect(slackMarkup(answer.body.text)).toEqual([]);
    expectAllAccepted(setup);
  });

  it('a level of 50 people with long names pages them all, and the Slack message and Feishu card still post: the names are listed up to a length, the rest counted', async () => {
    // 100 characters each (the most a member name may have), with markup that grows when escaped.
    const names = Array.from({ length: 50 }, (_, i) => `${String(i).padStart(2, '0')} <SRE & "Ops"> ${'Very-Long-Surname-'.repeat(5)}`.slice(0, 100));
    const setup = await team(names);
    const { message, card } = await alert(setup, 'Checkout latency over SLO', 'p99 4.2 s for 10 min');
    expectAllAccepted(setup);

    // Slack: the message shows level 1 paged, the first names whole and the others counted.
    const context = allBlocks(message).filter((block) => block.type === 'context').at(-1).elements[0].text as string;
    expect(context.length).toBeLessThanOrEqual(2000);
    const paged = /level 1\/1 paged (.*) and (\d+) more/.exec(slackVisibleText(context));
    expect(paged).not.toBeNull();
    const shown = paged![1].split(', ');
    expect(shown).toEqual(names.slice(0, shown.length));
    expect(shown.length + Number(paged![2])).toBe(50);
    // The page itself mentions all 50.
    const [notice] = await waitFor('the Slack page', () => noticesIn(setup)[0] && noticesIn(setup));
    expect(slackMarkup(notice.text).sort()).toEqual(setup.people.map((person) => `@${person.slackId}`).sort());

    // Feishu: the same on the card; the group page @mentions all 50.
    expect(cardText(card.content)).toMatch(/level 1\/1 paged .* and \d+ more/);
    const [feishuNotice] = await waitFor('the Feishu page', () => feishuNoticesIn(setup)[0] && feishuNoticesIn(setup));
    expect([...textOf(feishuNotice).matchAll(/<at user_id="([^"]+)">/g)].map((tag) => tag[1]).sort()).toEqual(setup.people.map((person) => person.openId).sort());
  });

  it('responders paged with hostile names mention nobody and show as written; times carry the channel’s zone where the platform cannot localise them', async () => {
    const hostileName = '<!channel> Eve <at user_id="all">x</at> & *bold*';
    const setup = await team([hostileName, 'Mallory'], { timeZone: 'Asia/Shanghai' });
    const { incident, message, card } = await alert(setup, 'Queue backlog', 'consumer lag 2 h');
    expectAllAccepted(setup);

    // Slack: the Responders field names both as paged, escaped; its times are <!date> with the Shanghai fallback.
    for (const text of slackMrkdwnTexts(message)) expect(slackMarkup(text)).toEqual([]);
    const fields = allBlocks(message).flatMap((block) => block.fields ?? []).map((field: any) => field.text as string);
    const responders = fields.find((text) => text.startsWith('*Responders*'))!;
    expect(slackVisibleText(responders)).toBe(`*Responders*\n${hostileName} (paged), Mallory (paged)`);
    const created = new Date(incident.createdAt);
    const firstSeen = fields.find((text) => text.startsWith('*First seen*'))!;
    const shanghai = new Date(created.getTime() + 8 * 3600_000).toISOString();
    expect(firstSeen).toBe(`*First seen*\n<!date^${Math.floor(created.getTime() / 1000)}^{date_num} {time}|${shanghai.slice(0, 10)} ${shanghai.slice(11, 16)} CST>`);

    // Feishu: no <at> anywhere in the card's markdown; the name is shown escaped; times are <local_datetime> tags.
    for (const markdown of feishuMarkdown(card.content)) expect(markdown).not.toMatch(/<at\b/i);
    const text = cardText(card.content);
    expect(text).toContain('**Responders:** &lt;!channel&gt; Eve &lt;at user_id="all"&gt;x&lt;/at&gt; &amp; *bold* (paged), Mallory (paged)');
    expect(text).toContain(`**First seen**\n<local_datetime millisecond='${created.getTime()}' format_type='date_num'></local_datetime>`);
    expect(text).not.toMatch(/\d{2}:\d{2} UTC/);
  });
});
