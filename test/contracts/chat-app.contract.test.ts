/**
 * The chat-app contract: what every IM app must do, written once and run against each platform's driver (Feishu,
 * Slack and DingTalk, each on SQLite and on MariaDB with Redis). Alerts come in through a channel's Feishu-compatible URL; clicks
 * and commands come in exactly as the IM sends them (the drivers sign them); what the app sent is read back from the
 * IM's fake. Platform quirks (signatures, wire formats, where private answers go) are tested beside each platform.
 */
import { ChatMessageEntity } from '../../src/db/entities/chat-message.entity.js';
import { COMMAND_USAGE } from '../../src/domain/commands.js';
import { createChannel, createMember } from '../support/admin-helpers.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { randomHex, waitFor } from '../support/feishu-app-helpers.js';
import { FEISHU_SUCCESS, createIntegration, incidentDetail, incidentsOfChannel, postMessage } from '../support/feishu-helpers.js';
import type { BoundChat, ChatAppChat, ChatAppDriver, ChatAppUser, ClickAnswer, ShownCard } from './chat-app-driver.js';
import { dingtalkDriver } from './dingtalk.driver.js';
import { feishuDriver } from './feishu.driver.js';
import { slackDriver } from './slack.driver.js';

const RUNS = [feishuDriver, slackDriver, dingtalkDriver].flatMap((driver) => DATABASE_KINDS.map((kind) => ({ name: `${driver.platform} on ${kind}`, driver, kind })));

const LINK_CODE = /^Your link code is ([A-Z0-9]{8}) \(valid for 30 minutes\)\./;

describe.each(RUNS)('chat app contract: $name', ({ driver, kind }) => {
  let app: ChatAppDriver;

  beforeAll(async () => {
    app = await driver.start(kind);
  });
  afterAll(async () => {
    await app?.stop();
  });

  const settled = () => app.service.services.cards.idle();
  /** The incident's Details page, opened by its signed link. */
  const detailsPage = async (incidentId: number) => {
    const link = new URL(app.service.services.links.detailsUrl(incidentId));
    const response = await fetch(`${app.service.url}${link.pathname}${link.search}`);
    expect(response.status).toBe(200);
    return response.text();
  };
  const detailOf = (incidentId: number) => incidentDetail(app.service, incidentId);
  const timelineKinds = async (incidentId: number) => (await detailOf(incidentId)).timeline.map((entry) => entry.kind as string);
  const bindingsOf = async (chatId: string) => ((await app.service.api('GET', '/chat-bindings')).body.items as any[]).filter((binding) => binding.chatId === chatId);
  const identitiesOf = async (memberId: number) => (await app.service.api('GET', `/members/${memberId}/im-identities`)).body.items as any[];

  async function alert(chat: BoundChat, text: string): Promise<void> {
    expect(await app.service.post(chat.hookPath, { msg_type: 'text', content: { text } })).toEqual({ status: 200, body: FEISHU_SUCCESS });
  }

  /** A new incident in the chat's channel and, once card syncs are idle, its card in the chat. */
  async function triggerWithCard(chat: BoundChat): Promise<{ incident: any; card: ShownCard }> {
    const text = `Primary database is down ${randomHex(3)}`;
    const before = app.cards(chat).length;
    await alert(chat, text);
    const [incident] = await incidentsOfChannel(app.service, chat.channel.id);
    expect(incident.description).toBe(text);
    await settled();
    const cards = app.cards(chat);
    expect(cards).toHaveLength(before + 1);
    const card = cards[cards.length - 1];
    expect(card.incidentId).toBe(incident.id);
    return { incident, card };
  }

  /** The card as shown once card syncs are idle. */
  async function settledCard(card: ShownCard): Promise<ShownCard> {
    await settled();
    return app.current(card);
  }

  /** A two-level escalation rule on the chat's channel (one person per level, long waits: only Escalate moves it on). */
  async function twoLevelRule(chat: BoundChat, first: ChatAppUser, second: ChatAppUser): Promise<void> {
    const created = await app.service.api('POST', `/channels/${chat.channel.id}/escalation-rules`, {
      name: `two levels ${randomHex(2)}`,
      levels: [first, second].map((user) => ({ memberIds: [user.member!.id], waitMinutes: 60 })),
    });
    expect(created.status).toBe(201);
  }

  /** The answer a click should get: its text, and its kind where the platform shows one. */
  const answer = (kind: NonNullable<ClickAnswer['kind']>, text: string): ClickAnswer => (app.answerKinds ? { text, kind } : { text });

  const isPage = (level: number, incidentId: number) => (text: string) => text.includes(`Escalation level ${level}: incident #${incidentId} `);

  describe('incident cards and clicks', () => {
    it('an alert posts one card in the bound chat, showing the incident with Acknowledge, Close and Escalate', async () => {
      const alice = await app.user('Alice');
      const chat = await app.boundChat([alice]);
      const elsewhere = await app.boundChat([alice]);
      const { incident, card } = await triggerWithCard(chat);

      expect(app.cards(chat)).toHaveLength(1);
      expect(card).toMatchObject({ status: 'Triggered', actions: ['acknowledge', 'close', 'escalate'], escalateStep: 0 });
      expect(card.text).toContain(incident.title);
      // Alerts and the messages received for them are counted apart; nobody has been paged or acted yet.
      expect(card.text).toContain('1 alert, 1 event');
      expect(card.text).toMatch(/Responders\W*—/);
      expect(card.content).toEqual(await app.renderedNow(incident.id));
      // Only the chat bound to the incident's channel shows it.
      expect(app.cards(elsewhere)).toEqual([]);
      expect(app.postAttempts(elsewhere)).toBe(0);
    });

    it('a linked user clicks Acknowledge: the incident is acknowledged by their member, the card shows it for everyone, a toast confirms', async () => {
      const alice = await app.user('Alice');
      const chat = await app.boundChat([alice]);
      const { incident, card } = await triggerWithCard(chat);

      expect(await app.click(alice, card, 'acknowledge')).toEqual(answer('success', `Acknowledged #${incident.id}`));
      const detail = await detailOf(incident.id);
      expect(detail.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: alice.member!.id });
      expect(detail.timeline.filter((entry) => entry.kind === 'acknowledged')).toEqual([
        expect.objectContaining({ actorType: 'member', actorId: alice.member!.id, actorName: 'Alice' }),
      ]);
      // Linked automatically: the platform's directory gave Alice's email, which matches the member's.
      expect(await identitiesOf(alice.member!.id)).toEqual([expect.objectContaining({ platform: app.platform, externalId: alice.externalId, linkedBy: 'auto_email' })]);

      const shown = await settledCard(card);
      expect(shown).toMatchObject({ status: 'Acknowledged', actions: ['close', 'escalate'] });
      expect(shown.text).toMatch(/Acknowledged by \W*Alice/);
      expect(shown.content).toEqual(await app.renderedNow(incident.id));
      expect(app.cards(chat)).toHaveLength(1);
    });

    it('an unlinked user’s click changes nothing and prompts to link by DM; once an admin redeems the code, the click is carried out', async () => {
      const bob = await app.user('Bob', { linked: false });
      const chat = await app.boundChat([bob]);
      const { incident, card } = await triggerWithCard(chat);

      expect(await app.click(bob, card, 'close')).toEqual(
        answer('warning', 'Your account is not linked to an on-call member yet, so nothing changed. I sent you a private message with how to link.'),
      );
      expect(await timelineKinds(incident.id)).toEqual(['triggered']);
      const prompt = await waitFor('the link-code DM', () => app.directMessages(bob)[0]);
      const code = LINK_CODE.exec(prompt)?.[1];
      expect(code).toBeDefined();
      expect(prompt).toContain(`/api/v1/link-codes/${code}/redeem`);
      expect(prompt).toContain(`Once linked, your "close" on incident #${incident.id} will be carried out.`);
      expect((await settledCard(card)).status).toBe('Triggered');
      expect(app.updateAttempts(card)).toEqual([]);

      const member = await createMember(app.service, 'Bob Builder');
      const redeemed = await app.service.api('POST', `/link-codes/${code}/redeem`, { memberId: member.id });
      expect(redeemed).toEqual({ status: 200, body: { member: expect.objectContaining({ id: member.id, name: 'Bob Builder' }), carriedOut: `Closed #${incident.id}` } });
      const detail = await detailOf(incident.id);
      expect(detail.incident).toMatchObject({ status: 'closed', closedBy: member.id });
      expect(detail.timeline.filter((entry) => entry.kind === 'closed')).toEqual([
        expect.objectContaining({ actorType: 'member', actorId: member.id, actorName: 'Bob Builder' }),
      ]);
      expect(await identitiesOf(member.id)).toEqual([expect.objectContaining({ platform: app.platform, externalId: bob.externalId, linkedBy: 'link_code' })]);
      const confirmation = await waitFor('the confirmation DM', () => app.directMessages(bob)[1]);
      expect(confirmation).toBe(`You are now linked to on-call member Bob Builder.\nClosed #${incident.id}`);
      const shown = await settledCard(card);
      expect(shown.status).toBe('Closed');
      expect(shown.content).toEqual(await app.renderedNow(incident.id));

      // The code is single use, and Bob's clicks now act as Bob Builder.
      expect((await app.service.api('POST', `/link-codes/${code}/redeem`, { memberId: member.id })).status).toBe(404);
      expect(await app.click(bob, shown, 'reopen')).toEqual(answer('success', `Reopened #${incident.id}`));
      expect((await detailOf(incident.id)).timeline.at(-1)).toMatchObject({ kind: 'reopened', actorId: member.id });
      await settled();
    });

    it('an account an admin unlinked is not linked again by its email: its click changes nothing and prompts to link, a page skips it; an explicit mapping links it again', async () => {
      const alice = await app.user('Alice');
      const chat = await app.boundChat([alice]);
      const first = await triggerWithCard(chat);
      expect(await app.click(alice, first.card, 'acknowledge')).toEqual(answer('success', `Acknowledged #${first.incident.id}`));
      expect(await identitiesOf(alice.member!.id)).toEqual([expect.objectContaining({ externalId: alice.externalId, linkedBy: 'auto_email' })]);

      const unlinked = await app.service.api('DELETE', `/members/${alice.member!.id}/im-identities/${app.platform}/${encodeURIComponent(alice.externalId)}`);
      expect(unlinked.status).toBe(204);
      expect(await identitiesOf(alice.member!.id)).toEqual([]);

      // Her email still matches the member's, yet her click acts as nobody: she is told to link, as any unlinked user.
      const second = await triggerWithCard(chat);
      expect(await app.click(alice, second.card, 'close')).toEqual(
        answer('warning', 'Your account is not linked to an on-call member yet, so nothing changed. I sent you a private message with how to link.'),
      );
      expect(await timelineKinds(second.incident.id)).toEqual(['triggered']);
      await waitFor('the link-code DM', () => app.directMessages(alice).find((text) => LINK_CODE.test(text)));
      expect(await identitiesOf(alice.member!.id)).toEqual([]);

      // A page looks unlinked members up by email before it goes out: the account is not linked, nor paged, that way either.
      const rule = await app.service.api('POST', `/channels/${chat.channel.id}/escalation-rules`, { name: `alice ${randomHex(2)}`, levels: [{ memberIds: [alice.member!.id], waitMinutes: 60 }] });
      expect(rule.status).toBe(201);
      const third = await triggerWithCard(chat);
      await waitFor('the level-1 escalation', async () => ((await timelineKinds(third.incident.id)).includes('escalated') ? true : undefined));
      await app.service.services.escalations.idle();
      expect(app.directMessages(alice).filter(isPage(1, third.incident.id))).toEqual([]);
      expect(await identitiesOf(alice.member!.id)).toEqual([]);

      // An admin mapping the account to the member explicitly links it again: the close she clicked while unlinked is
      // carried out, and her clicks act as the member.
      const mapped = await app.service.api('POST', '/im-identities', { platform: app.platform, mappings: [{ memberId: alice.member!.id, externalId: alice.externalId }] });
      expect(mapped.status).toBe(200);
      expect(await identitiesOf(alice.member!.id)).toEqual([expect.objectContaining({ externalId: alice.externalId, linkedBy: 'admin' })]);
      expect((await detailOf(second.incident.id)).incident).toMatchObject({ status: 'closed', closedBy: alice.member!.id });
      expect(await app.click(alice, third.card, 'acknowledge')).toEqual(answer('success', `Acknowledged #${third.incident.id}`));
      expect((await detailOf(third.incident.id)).incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: alice.member!.id });
      await settled();
    });

    it('a double click changes the incident once; the second click is told it is already done', async () => {
      const alice = await app.user('Alice');
      const chat = await app.boundChat([alice]);
      const { incident, card } = await triggerWithCard(chat);

      expect(await app.click(alice, card, 'acknowledge')).toEqual(answer('success', `Acknowledged #${incident.id}`));
      // The second click on the card as it was before the first one's answer.
      expect(await app.click(alice, card, 'acknowledge')).toEqual(answer('info', `#${incident.id} is already acknowledged by Alice`));

      const detail = await detailOf(incident.id);
      expect(detail.timeline.map((entry) => entry.kind)).toEqual(['triggered', 'acknowledged']);
      expect(detail.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: alice.member!.id });
      expect((await settledCard(card)).status).toBe('Acknowledged');
      expect(app.updateAttempts(card).length).toBeLessThanOrEqual(1);
    });

    it('a click on a stale card, whose incident was closed meanwhile, gets a sensible answer and changes nothing', async () => {
      const alice = await app.user('Alice');
      const chat = await app.boundChat([alice]);
      const { incident, card: stale } = await triggerWithCard(chat);
      expect((await app.service.api('POST', `/incidents/${incident.id}/close`, {})).status).toBe(200);
      expect((await settledCard(stale)).status).toBe('Closed');

      expect(await app.click(alice, stale, 'acknowledge')).toEqual(answer('warning', `cannot acknowledge incident ${incident.id}: the incident is closed; reopen it first`));
      const closedAgain = await app.click(alice, stale, 'close');
      expect(closedAgain.text).toMatch(new RegExp(`^#${incident.id} is already closed`));
      expect(closedAgain.kind).toBe(app.answerKinds ? 'info' : undefined);
      expect(await timelineKinds(incident.id)).toEqual(['triggered', 'closed']);
      const shown = await settledCard(stale);
      expect(shown).toMatchObject({ status: 'Closed', actions: ['reopen'] });
      expect(shown.content).toEqual(await app.renderedNow(incident.id));
    });

    it('Close shows a card offering only Reopen; Reopen brings back Acknowledge, Close and Escalate', async () => {
      const alice = await app.user('Alice');
      const chat = await app.boundChat([alice]);
      const { incident, card } = await triggerWithCard(chat);

      expect(await app.click(alice, card, 'close')).toEqual(answer('success', `Closed #${incident.id}`));
      expect((await detailOf(incident.id)).incident).toMatchObject({ status: 'closed', closedBy: alice.member!.id });
      const closed = await settledCard(card);
      expect(closed).toMatchObject({ status: 'Closed', actions: ['reopen'] });
      expect(closed.text).toMatch(/Closed by \W*Alice/);

      expect(await app.click(alice, closed, 'reopen')).toEqual(answer('success', `Reopened #${incident.id}`));
      const reopened = await settledCard(card);
      expect(reopened).toMatchObject({ status: 'Triggered', actions: ['acknowledge', 'close', 'escalate'] });
      expect(reopened.content).toEqual(await app.renderedNow(incident.id));
      expect(await timelineKinds(incident.id)).toEqual(['triggered', 'closed', 'reopened']);
    });

    it('Escalate pages the next level of the incident’s rule and the card follows; a click on a card showing an earlier step pages nobody', async () => {
      const alice = await app.user('Alice');
      const bob = await app.user('Bob');
      const chat = await app.boundChat([alice, bob]);
      await twoLevelRule(chat, alice, bob);
      const { incident, card } = await triggerWithCard(chat);
      await waitFor('Alice’s level-1 page', () => app.directMessages(alice).find(isPage(1, incident.id)));
      // Level 1 paged: the card shows one step taken, and its Escalate button says so.
      const atLevel1 = await waitFor('the card to show level 1', async () => {
        const shown = await settledCard(card);
        return shown.escalateStep === 1 ? shown : undefined;
      });
      // Responders name who was paged before anyone acts.
      expect(atLevel1.text).toContain('Alice (paged)');

      expect(await app.click(alice, atLevel1, 'escalate')).toEqual(answer('success', `Escalated #${incident.id} to level 2: paging Bob`));
      await waitFor('Bob’s level-2 page', () => app.directMessages(bob).find(isPage(2, incident.id)));
      await waitFor('the level-2 notice in the chat', () => app.notices(chat).find((text) => isPage(2, incident.id)(text) && app.mentions(text, bob)));
      const atLevel2 = await settledCard(card);
      expect(atLevel2).toMatchObject({ status: 'Triggered', escalateStep: 2 });
      expect(atLevel2.text).toContain('level 2/2 paged Bob');
      // Alice acted (she pressed Escalate); Bob was paged and has not acted yet.
      expect(atLevel2.text).toContain('Alice (escalated), Bob (paged)');
      expect(atLevel2.content).toEqual(await app.renderedNow(incident.id));

      // The same button on the card as it showed level 1 (not yet updated for whoever clicks it) escalates nothing.
      expect(await app.click(alice, atLevel1, 'escalate')).toEqual(answer('info', `Not escalated: incident #${incident.id} was already escalated to level 2 by Alice (paged Bob).`));
      await app.service.services.escalations.idle();
      const escalated = (await detailOf(incident.id)).timeline.filter((entry) => entry.kind === 'escalated');
      expect(escalated.map((entry) => [entry.detail.level, entry.actorName])).toEqual([
        [1, 'system'],
        [2, 'Alice'],
      ]);
      expect(app.directMessages(bob).filter(isPage(2, incident.id))).toHaveLength(1);
      expect(app.directMessages(alice).filter(isPage(1, incident.id))).toHaveLength(1);
      await settled();
    });

    it('someone whose every page was refused (direct message and group @mention, no email) shows as not reached on the card, the Details page and in the API; the next level, reached, as paged', async () => {
      const alice = await app.user('Alice');
      const bob = await app.user('Bob');
      const carol = await app.user('Carol');
      const chat = await app.boundChat([alice, bob, carol]);
      await twoLevelRule(chat, bob, carol);
      app.refuseMessagesTo(bob);
      const { incident, card } = await triggerWithCard(chat);
      const atLevel1 = await waitFor('the card to say Bob was not reached', async () => {
        const shown = await settledCard(card);
        return shown.escalateStep === 1 && shown.text.includes('Bob (not reached)') ? shown : undefined;
      });
      expect(atLevel1.text).toContain('level 1/2 paged Bob (not reached)');
      expect(atLevel1.text).toContain('Not reached by any page: Bob');
      expect(atLevel1.text).not.toContain('Bob (paged)');
      expect(atLevel1.content).toEqual(await app.renderedNow(incident.id));
      const atFirst = await detailOf(incident.id);
      expect(atFirst.incident.pagedResponders).toEqual([{ name: 'Bob', reach: 'not_reached' }]);
      expect(atFirst.incident.escalation).toMatchObject({ paged: ['Bob'], notReached: ['Bob'] });
      expect(atFirst.timeline.filter((entry) => entry.kind === 'not_reached').map((entry) => entry.detail)).toEqual([expect.objectContaining({ level: 1, members: 'Bob' })]);
      expect(await detailsPage(incident.id)).toContain('<dt>Paged</dt><dd><bdi>Bob</bdi> <span class="not-reached">(not reached)</span></dd>');

      expect(await app.click(alice, atLevel1, 'escalate')).toEqual(answer('success', `Escalated #${incident.id} to level 2: paging Carol`));
      await waitFor('Carol’s level-2 page', () => app.directMessages(carol).find(isPage(2, incident.id)));
      await waitFor('Carol reached', async () => ((await detailOf(incident.id)).incident.pagedResponders.find((person: any) => person.name === 'Carol')?.reach === 'reached' ? true : undefined));
      await app.service.services.escalations.idle();
      const atLevel2 = await settledCard(card);
      expect(atLevel2.text).toContain('Alice (escalated), Bob (not reached), Carol (paged)');
      expect(atLevel2.text).toContain('level 2/2 paged Carol');
      expect(atLevel2.content).toEqual(await app.renderedNow(incident.id));
      expect((await detailOf(incident.id)).incident.pagedResponders).toEqual([
        { name: 'Bob', reach: 'not_reached' },
        { name: 'Carol', reach: 'reached' },
      ]);
      expect(await detailsPage(incident.id)).toContain('<dt>Paged</dt><dd><bdi>Bob</bdi> <span class="not-reached">(not reached)</span>, <bdi>Carol</bdi></dd>');
      expect(app.directMessages(bob).filter(isPage(1, incident.id))).toEqual([]);
      await settled();
    });
  });

  describe('commands', () => {
    it('help lists every command, in a group and in a direct chat; a malformed or unknown command answers with the usage', async () => {
      const alice = await app.user('Alice');
      const chat = await app.boundChat([alice]);
      const direct = app.directChat(alice);

      expect((await app.command(alice, chat, 'help')).text).toBe(`Commands:\n${COMMAND_USAGE}`);
      expect((await app.command(alice, direct, 'help')).text).toBe(`Commands:\n${COMMAND_USAGE}`);
      const usage = (await app.command(alice, chat, 'ack abc')).text;
      expect(usage).toContain('usage: ack <incident id>, e.g. ack 42');
      expect(usage).toContain(COMMAND_USAGE);
      const unknown = (await app.command(alice, direct, 'frobnicate')).text;
      expect(unknown).toContain('unknown command "frobnicate"');
      expect(unknown).toContain(COMMAND_USAGE);
    });

    it('list shows the open incidents of the chat’s channel (of every channel in a direct chat); ack <id> acknowledges once', async () => {
      const alice = await app.user('Alice');
      const chat = await app.boundChat([alice]);
      const other = await app.boundChat([alice]);
      const { incident, card } = await triggerWithCard(chat);
      const elsewhere = await triggerWithCard(other);
      const direct = app.directChat(alice);

      expect((await app.command(alice, chat, 'list')).text).toBe(`Open incidents:\n#${incident.id} [triggered] ${incident.title}`);
      const everywhere = (await app.command(alice, direct, 'list')).text;
      expect(everywhere).toContain(`#${incident.id} [triggered] ${incident.title}`);
      expect(everywhere).toContain(`#${elsewhere.incident.id} [triggered] ${elsewhere.incident.title}`);

      expect((await app.command(alice, chat, `ack ${incident.id}`)).text).toBe(`Acknowledged #${incident.id}`);
      const detail = await detailOf(incident.id);
      expect(detail.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: alice.member!.id });
      expect(detail.timeline.filter((entry) => entry.kind === 'acknowledged')).toHaveLength(1);
      expect((await app.command(alice, direct, `ack #${incident.id}`)).text).toBe(`#${incident.id} is already acknowledged by Alice`);
      expect(await timelineKinds(incident.id)).toEqual(['triggered', 'acknowledged']);
      expect((await app.command(alice, chat, 'list')).text).toBe(`Open incidents:\n#${incident.id} [acknowledged] ${incident.title}`);
      expect((await settledCard(card)).status).toBe('Acknowledged');
    });

    it('close <id> and reopen <id> act as the caller, once each, and the card follows', async () => {
      const alice = await app.user('Alice');
      const bob = await app.user('Bob');
      const chat = await app.boundChat([alice, bob]);
      const { incident, card } = await triggerWithCard(chat);

      expect((await app.command(alice, chat, `close ${incident.id}`)).text).toBe(`Closed #${incident.id}`);
      expect((await detailOf(incident.id)).incident).toMatchObject({ status: 'closed', closedBy: alice.member!.id });
      const closed = await settledCard(card);
      expect(closed.status).toBe('Closed');
      expect(closed.text).toMatch(/Closed by \W*Alice/);
      expect((await app.command(bob, chat, `close #${incident.id}`)).text).toBe(`#${incident.id} is already closed by Alice`);

      expect((await app.command(bob, app.directChat(bob), `reopen ${incident.id}`)).text).toBe(`Reopened #${incident.id}`);
      const detail = await detailOf(incident.id);
      expect(detail.incident.status).toBe('triggered');
      expect(detail.timeline.map((entry) => entry.kind)).toEqual(['triggered', 'closed', 'reopened']);
      expect(detail.timeline[2]).toMatchObject({ actorType: 'member', actorId: bob.member!.id, actorName: 'Bob' });
      const reopened = await settledCard(card);
      expect(reopened.status).toBe('Triggered');
      expect(reopened.content).toEqual(await app.renderedNow(incident.id));

      expect((await app.command(bob, chat, `reopen ${incident.id}`)).text).toBe(`#${incident.id} is already open`);
      expect((await app.command(alice, chat, 'close 999999')).text).toBe('Incident #999999 does not exist');
      expect((await app.command(alice, chat, 'escalate 999999')).text).toBe('Incident #999999 does not exist');
    });

    it('escalate <id> pages the next level of the incident’s rule; without a rule, or at the last level, it says why not', async () => {
      const alice = await app.user('Alice');
      const bob = await app.user('Bob');
      const chat = await app.boundChat([alice, bob]);
      const unruled = await triggerWithCard(chat);
      expect((await app.command(alice, chat, `escalate ${unruled.incident.id}`)).text).toBe(`Not escalated: no escalation rule applies to incident #${unruled.incident.id}.`);

      await twoLevelRule(chat, alice, bob);
      const { incident, card } = await triggerWithCard(chat);
      await waitFor('Alice’s level-1 page', () => app.directMessages(alice).find(isPage(1, incident.id)));

      expect((await app.command(alice, chat, `escalate ${incident.id}`)).text).toBe(`Escalated #${incident.id} to level 2: paging Bob`);
      await waitFor('Bob’s level-2 page', () => app.directMessages(bob).find(isPage(2, incident.id)));
      await waitFor('the level-2 notice in the chat', () => app.notices(chat).find((text) => isPage(2, incident.id)(text) && app.mentions(text, bob)));
      expect((await app.command(alice, chat, `escalate ${incident.id}`)).text).toBe(`Not escalated: incident #${incident.id} has already been escalated to its last level.`);
      await app.service.services.escalations.idle();
      expect((await settledCard(card)).text).toContain('level 2/2 paged Bob');
    });

    it('whoami tells a linked user, privately, who they act as, and an unlinked one that they are not linked', async () => {
      const alice = await app.user('Alice');
      const mallory = await app.user('Mallory', { linked: false });
      const chat = await app.boundChat([alice, mallory]);

      expect(await app.command(alice, chat, 'whoami')).toEqual({ text: `You act as Alice <${alice.email}> (member ${alice.member!.id}).`, visibleTo: 'caller' });
      expect(app.notices(chat).join('\n')).not.toContain(alice.email);
      expect((await app.command(mallory, chat, 'whoami')).text).toMatch(/not linked/);
      expect((await app.command(mallory, app.directChat(mallory), 'whoami')).text).toMatch(/not linked/);
    });

    it('link gives the caller, privately, a one-time code that links their account once an admin redeems it', async () => {
      const alice = await app.user('Alice');
      const carol = await app.user('Carol', { linked: false });
      const chat = await app.boundChat([alice, carol]);

      const answer = await app.command(carol, chat, 'link');
      expect(answer.visibleTo).toBe('caller');
      const code = LINK_CODE.exec(answer.text)?.[1];
      expect(code).toBeDefined();
      expect(answer.text).toContain(`/api/v1/link-codes/${code}/redeem`);
      expect(app.notices(chat).join('\n')).not.toContain(code!);
      expect((await app.command(carol, app.directChat(carol), 'whoami')).text).toMatch(/not linked/);

      const member = await createMember(app.service, 'Carol Danvers');
      const redeemed = await app.service.api('POST', `/link-codes/${code}/redeem`, { memberId: member.id });
      expect(redeemed).toEqual({ status: 200, body: { member: expect.objectContaining({ id: member.id }), carriedOut: null } });
      await waitFor('the confirmation DM', () => app.directMessages(carol).find((text) => text === 'You are now linked to on-call member Carol Danvers.'));
      expect((await app.command(carol, app.directChat(carol), 'whoami')).text).toBe(`You act as Carol Danvers (member ${member.id}).`);
      expect((await app.command(carol, chat, 'link')).text).toBe('You are already linked to Carol Danvers.');
      expect((await app.command(alice, chat, 'link')).text).toBe('You are already linked to Alice.');
      expect((await app.service.api('POST', `/link-codes/${code}/redeem`, { memberId: member.id })).status).toBe(404);
    });

    it('bind <channel> in a new group: a linked user binds it for everyone to see, an unlinked one is refused; the next incident shows up there', async () => {
      const alice = await app.user('Alice');
      const mallory = await app.user('Mallory', { linked: false });
      const channel = await createChannel(app.service, `Payments SRE ${randomHex(3)}`);
      const room = app.groupChat([alice, mallory]);

      expect((await app.command(mallory, room, `bind ${channel.name}`)).text).toMatch(/Only linked on-call members can bind/);
      expect(await bindingsOf(room.chatId)).toEqual([]);
      expect((await app.command(alice, app.directChat(alice), `bind ${channel.name}`)).text).toBe('bind works in a group chat or channel: run it there.');

      // The name as typed, in any case.
      expect(await app.command(alice, room, `bind ${channel.name.toLowerCase()}`)).toEqual({ text: `This chat now shows incidents of channel "${channel.name}".`, visibleTo: 'everyone' });
      expect(await bindingsOf(room.chatId)).toEqual([expect.objectContaining({ platform: app.platform, chatId: room.chatId, channelId: channel.id })]);

      const integration = await createIntegration(app.service, { channelId: channel.id });
      expect(await app.service.post(integration.path, postMessage('Payment gateway 5xx', 'error rate 12%'))).toEqual({ status: 200, body: FEISHU_SUCCESS });
      await settled();
      const [incident] = await incidentsOfChannel(app.service, channel.id);
      expect(app.cards(room).map((card) => [card.incidentId, card.text.includes('Payment gateway 5xx')])).toEqual([[incident.id, true]]);
    });
  });

  describe('keeping cards current', () => {
    it('a card that can no longer be updated is replaced by a fresh card on the next change, which later changes update', async () => {
      const chat = await app.boundChat([]);
      const { incident, card: old } = await triggerWithCard(chat);
      app.makeCardGone(old);

      expect((await app.service.api('POST', `/incidents/${incident.id}/acknowledge`, {})).status).toBe(200);
      await settled();
      expect(app.updateAttempts(old)).toEqual(['gone']);
      const fresh = app.cards(chat).at(-1)!;
      expect(fresh.messageId).not.toBe(old.messageId);
      expect(fresh).toMatchObject({ incidentId: incident.id, status: 'Acknowledged' });
      expect(fresh.content).toEqual(await app.renderedNow(incident.id));
      const rows = await app.service.db.manager.findBy(ChatMessageEntity, { incidentId: incident.id });
      expect(rows.map((row) => [row.platform, row.chatId, row.messageId])).toEqual([[app.platform, chat.chatId, fresh.messageId]]);

      // The next change goes to the fresh card, with no more posts.
      expect((await app.service.api('POST', `/incidents/${incident.id}/close`, {})).status).toBe(200);
      const closed = await settledCard(fresh);
      expect(closed.status).toBe('Closed');
      expect(app.updateAttempts(fresh)).toEqual(['ok']);
      expect(app.updateAttempts(old)).toEqual(['gone']);
      expect(app.postAttempts(chat)).toBe(2);
    });

    it('a storm of 30 alerts with one title (push mode by_title) ends as one card showing all 30, after a few updates and no throttling', async () => {
      const chat = await app.boundChat([], { pushMode: 'by_title' });
      const title = `Disk full on web-${randomHex(2)}`;
      const since = Date.now();
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => app.service.post(chat.hookPath, postMessage(title, `event ${i}`))));
      expect(answers.filter((result) => result.status !== 200 || result.body.code !== 0)).toEqual([]);
      const incidents = await incidentsOfChannel(app.service, chat.channel.id);
      expect(incidents).toHaveLength(1);
      await settled();

      const incidentId = incidents[0].id as number;
      // One alert (one title), received 30 times: the card says so in those words.
      expect(await app.service.services.views.build(incidentId)).toMatchObject({ alertCount: 1, eventCount: 30 });
      const cards = app.cards(chat);
      expect(cards.map((card) => card.incidentId)).toEqual([incidentId]);
      expect(cards[0].content).toEqual(await app.renderedNow(incidentId));
      expect(cards[0].text).toContain('1 alert, 30 events');
      expect(app.postAttempts(chat)).toBe(1);
      const updates = app.updateAttempts(cards[0]);
      // Coalesced: 2-5 updates measured on a loaded 2-core machine; one per alert (30) without coalescing.
      expect(updates.length).toBeLessThanOrEqual(10);
      expect(updates.every((outcome) => outcome === 'ok')).toBe(true);
      expect(app.throttledSince(since)).toBe(0);
      process.stdout.write(`[contract storm ${app.platform} ${kind}] 30 alerts onto #${incidentId}: ${updates.length} card updates\n`);
    });
  });

  // Only where the platform tells the app (DingTalk does not: its robot learns it was removed from a refused post).
  (driver.membershipEvents === false ? describe.skip : describe)('the bot joining and leaving chats', () => {
    it('the bot removed from a chat unbinds it: the channel’s next incidents are not posted there', async () => {
      const chat = await app.boundChat([]);
      expect(await bindingsOf(chat.chatId)).toHaveLength(1);
      await app.removeBot(chat);
      await waitFor('the binding to go', async () => ((await bindingsOf(chat.chatId)).length === 0 ? true : undefined));

      await alert(chat, 'after the bot left');
      expect(await incidentsOfChannel(app.service, chat.channel.id)).toHaveLength(1);
      await settled();
      expect(app.postAttempts(chat)).toBe(0);
    });

    it('the bot added to a chat says once how to bind it, even when the platform delivers the event again', async () => {
      const room: ChatAppChat = await app.addBot(3);
      const welcome = await waitFor('the welcome', () => app.notices(room)[0]);
      expect(welcome).toContain('bind <channel>');
      expect(welcome).toContain('help');
      // Posts to one chat are paced (about one a second): a second welcome would show up within that. Wait past it.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(app.notices(room)).toHaveLength(1);
      expect(app.postAttempts(room)).toBe(1);
    });
  });
});
