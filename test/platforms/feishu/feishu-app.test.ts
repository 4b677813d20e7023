/**
 * The Feishu app (bot) end to end, through real HTTP: alerts in → incident cards out to the fake Open API → card
 * clicks and commands back in as Feishu sends them (encrypted with the Encrypt Key and signed over the raw body) →
 * incident changes and card PATCHes. The SQLite suite dedupes events on the database, the MariaDB one on Redis.
 */
import { LinkCodeEntity } from '../../../src/db/entities/link-code.entity.js';
import { ChatMessageEntity } from '../../../src/db/entities/chat-message.entity.js';
import { pino } from 'pino';
import { renderFeishuIncidentCard } from '../../../src/platforms/feishu/feishu-card.renderer.js';
import { CardSyncService } from '../../../src/services/chat/card-sync.service.js';
import { botAddedEvent, botDeletedEvent, cardActionEvent, messageReceiveEvent, urlVerification } from '../../fakes/feishu-callbacks.js';
import type { FakeFeishu, FakeMessage } from '../../fakes/feishu-open-api.js';
import { createChannel, createMember } from '../../support/admin-helpers.js';
import { DATABASE_KINDS } from '../../support/databases.js';
import {
  callbackValues,
  cardAlertCount,
  cardButtons,
  cardStatus,
  cardText,
  directTexts,
  nextTextInChat,
  postCallback,
  randomHex,
  textOf,
  waitFor,
  type FeishuAppSecrets,
} from '../../support/feishu-app-helpers.js';
import { FEISHU_SUCCESS, createIntegration, incidentDetail, incidentsOfChannel, postMessage } from '../../support/feishu-helpers.js';
import { ANSWER_DEADLINE_MS, FeishuAppWorld, type BoundChat } from '../../support/feishu-app-world.js';
import type { TestService } from '../../support/test-service.js';
import type { FeishuApp } from '../../../src/platforms/feishu/feishu.app.js';

describe.each(DATABASE_KINDS)('Feishu app end to end on %s', (kind) => {
  let world: FeishuAppWorld;
  let fake: FakeFeishu;
  let service: TestService;
  let secrets: FeishuAppSecrets;

  beforeAll(async () => {
    world = await FeishuAppWorld.start(kind, 'feishu_app_e2e');
    ({ fake, service, secrets } = world);
  });
  afterAll(async () => {
    await world?.stop();
  });
  beforeEach(() => {
    fake.state.enforceRateLimits = true;
  });

  async function sendAlert(path: string, body: object): Promise<void> {
    expect(await service.post(path, body)).toEqual({ status: 200, body: FEISHU_SUCCESS });
  }

  const kindsOf = (timeline: any[]) => timeline.map((entry) => entry.kind);
  /** The card as it should look now, rendered from the incident's current state. */
  const currentCard = async (incidentId: number) => renderFeishuIncidentCard(await service.services.views.build(incidentId));
  const bindingsOf = async (chatId: string) => ((await service.api('GET', '/chat-bindings')).body.items as any[]).filter((b) => b.chatId === chatId);

  describe('incident card and a click', () => {
    it('an alert posts one Card JSON 2.0; Alice (auto-linked by email) acknowledges with a signed, encrypted click', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundChat({ members: [alice.user.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);

      expect(fake.state.cardsInChat(setup.chatId)).toHaveLength(1);
      expect(card.msgType).toBe('interactive');
      expect(card.content.schema).toBe('2.0');
      expect(card.content.config.update_multi).toBe(true);
      expect(card.content.header.title).toEqual({ tag: 'plain_text', content: incident.title });
      expect(cardStatus(card.content)).toBe('Triggered');
      expect(callbackValues(card.content)).toEqual([
        { action: 'acknowledge', incidentId: incident.id },
        { action: 'close', incidentId: incident.id },
        { action: 'escalate', incidentId: incident.id, step: 0 },
      ]);

      const answer = await world.clickCard(alice.user.open_id, 'acknowledge', incident.id, card);
      expect(answer.status).toBe(200);
      expect(answer.elapsedMs).toBeLessThan(ANSWER_DEADLINE_MS);
      expect(answer.body.toast).toEqual({ type: 'success', content: `Acknowledged #${incident.id}` });
      expect(answer.body.card).toEqual({ type: 'raw', data: expect.any(Object) });
      const answered = answer.body.card.data;
      expect(answered.schema).toBe('2.0');
      expect(answered.config.update_multi).toBe(true);
      expect(cardStatus(answered)).toBe('Acknowledged');
      expect(cardText(answered)).toContain('Acknowledged by **Alice**');
      expect(cardButtons(answered).find((button) => button.text === 'Acknowledge')).toMatchObject({ disabled: true });

      const detail = await incidentDetail(service, incident.id);
      expect(detail.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: alice.member!.id });
      expect(detail.timeline.filter((entry) => entry.kind === 'acknowledged')).toEqual([
        expect.objectContaining({ actorType: 'member', actorId: alice.member!.id, actorName: 'Alice' }),
      ]);

      // Linked automatically: the contact API gave Alice's email, which matches the member's.
      expect(fake.state.requestsTo(`/open-apis/contact/v3/users/${alice.user.open_id}`, 'GET').length).toBeGreaterThanOrEqual(1);
      const identities = await service.api('GET', `/members/${alice.member!.id}/im-identities`);
      expect(identities.body.items).toEqual([expect.objectContaining({ platform: 'feishu', externalId: alice.user.open_id, linkedBy: 'auto_email' })]);

      // The chat's card shows the new state (for everyone, not just the clicker): the answer's card replaced it, so
      // card sync does not PATCH the same state again.
      await service.services.cards.idle();
      const shown = world.latestCard(card);
      expect(shown.redraws).toBe(1);
      expect(shown.updates).toBe(0);
      expect(cardStatus(shown.content)).toBe('Acknowledged');
      expect(cardText(shown.content)).toContain('Acknowledged by **Alice**');
      expect(shown.content).toEqual(await currentCard(incident.id));
      expect(fake.state.cardsInChat(setup.chatId)).toHaveLength(1);
      expect(fake.state.updateMultiViolations).toEqual([]);
    });

    it('a second click (new event_id) answers "already acknowledged by Alice" and changes nothing', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundChat({ members: [alice.user.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);

      expect((await postCallback(service, secrets, world.clickEvent(alice.user.open_id, 'acknowledge', incident.id, card))).body.toast.type).toBe('success');
      const again = await postCallback(service, secrets, world.clickEvent(alice.user.open_id, 'acknowledge', incident.id, card));
      expect(again.status).toBe(200);
      expect(again.elapsedMs).toBeLessThan(ANSWER_DEADLINE_MS);
      expect(again.body.toast.type).toBe('info');
      expect(again.body.toast.content).toMatch(/already acknowledged by Alice/);
      expect(cardStatus(again.body.card.data)).toBe('Acknowledged');

      const detail = await incidentDetail(service, incident.id);
      expect(kindsOf(detail.timeline)).toEqual(['triggered', 'acknowledged']);
      expect(detail.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: alice.member!.id });
      await service.services.cards.idle();
    });

    it('an account mapped to another member through the admin API acts as that member from its next click on', async () => {
      const alice = await world.person('Alice');
      const bob = await world.person('Bob');
      const setup = await world.boundChat({ members: [alice.user.open_id] });
      const first = await world.triggerWithCard(setup);
      const second = await world.triggerWithCard(setup);

      // Linked by email at the first click; the second one finds the stored link.
      expect((await world.clickCard(alice.user.open_id, 'acknowledge', first.incident.id, first.card)).body.toast.type).toBe('success');
      expect((await world.clickCard(alice.user.open_id, 'close', first.incident.id, first.card)).body.toast.type).toBe('success');
      expect((await incidentDetail(service, first.incident.id)).incident).toMatchObject({ acknowledgedBy: alice.member!.id, closedBy: alice.member!.id });

      const mapped = await service.api('POST', '/im-identities', { platform: 'feishu', mappings: [{ memberId: bob.member!.id, externalId: alice.user.open_id }] });
      expect(mapped.status).toBe(200);
      const answer = await world.clickCard(alice.user.open_id, 'acknowledge', second.incident.id, second.card);
      expect(cardText(answer.body.card.data)).toContain('Acknowledged by **Bob**');
      expect((await incidentDetail(service, second.incident.id)).incident.acknowledgedBy).toBe(bob.member!.id);
      await service.services.cards.idle();
    });

    it('a re-delivered event (same event_id) is answered and not carried out again', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundChat({ members: [alice.user.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);

      const closeEvent = world.clickEvent(alice.user.open_id, 'close', incident.id, card);
      const first = await postCallback(service, secrets, closeEvent);
      expect(first.body.toast).toEqual({ type: 'success', content: `Closed #${incident.id}` });
      const reopened = await service.api('POST', `/incidents/${incident.id}/reopen`, {});
      expect(reopened.status).toBe(200);
      await service.services.cards.idle();
      const updatesBefore = world.latestCard(card).updates;

      // Feishu re-sends the very same event (a fresh request: new IV, nonce and signature).
      const redelivered = await postCallback(service, secrets, closeEvent);
      expect(redelivered.status).toBe(200);
      expect(redelivered.elapsedMs).toBeLessThan(ANSWER_DEADLINE_MS);
      expect(redelivered.body).toEqual({});

      await service.services.cards.idle();
      const detail = await incidentDetail(service, incident.id);
      expect(detail.incident.status).toBe('triggered');
      expect(kindsOf(detail.timeline)).toEqual(['triggered', 'closed', 'reopened']);
      expect(world.latestCard(card).updates).toBe(updatesBefore);
    });

    it('a forged signature, a missing signature or a wrong verification token is refused with 401 and changes nothing', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundChat({ members: [alice.user.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);
      const eventId = randomHex(16);
      const closeEvent = world.clickEvent(alice.user.open_id, 'close', incident.id, card, { eventId });

      const forged = await postCallback(service, secrets, closeEvent, (request) => {
        const signature = request.headers['X-Lark-Signature'];
        request.headers['X-Lark-Signature'] = (signature[0] === '0' ? '1' : '0') + signature.slice(1);
      });
      expect(forged.status).toBe(401);
      const unsigned = await postCallback(service, secrets, closeEvent, (request) => {
        delete request.headers['X-Lark-Signature'];
        delete request.headers['X-Lark-Request-Timestamp'];
        delete request.headers['X-Lark-Request-Nonce'];
      });
      expect(unsigned.status).toBe(401);
      // The body was changed after signing (same headers, another body).
      const swapped = await postCallback(service, secrets, closeEvent, (request) => {
        request.body = JSON.stringify({ encrypt: JSON.parse(request.body).encrypt, extra: 1 });
      });
      expect(swapped.status).toBe(401);
      const wrongToken = await postCallback(service, secrets, world.clickEvent(alice.user.open_id, 'close', incident.id, card, { token: 'not-the-verification-token' }));
      expect(wrongToken.status).toBe(401);

      for (const refused of [forged, unsigned, swapped, wrongToken]) expect(refused.body?.toast).toBeUndefined();
      let detail = await incidentDetail(service, incident.id);
      expect(detail.incident.status).toBe('triggered');
      expect(kindsOf(detail.timeline)).toEqual(['triggered']);
      expect(world.latestCard(card).updates).toBe(0);

      // Refused requests did not use up the event_id: the genuine delivery of that event still works.
      const genuine = await postCallback(service, secrets, closeEvent);
      expect(genuine.status).toBe(200);
      expect(genuine.body.toast.type).toBe('success');
      detail = await incidentDetail(service, incident.id);
      expect(detail.incident.status).toBe('closed');
      await service.services.cards.idle();
    });

    it('url_verification (encrypted, unsigned) answers the challenge; with a wrong token it is refused', async () => {
      const challenge = `challenge-${randomHex(8)}`;
      const answer = await postCallback(service, secrets, urlVerification({ token: secrets.verificationToken, challenge }));
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ challenge });
      expect(answer.elapsedMs).toBeLessThan(1000);

      const wrong = await postCallback(service, secrets, urlVerification({ token: 'someone-else', challenge }));
      expect(wrong.status).toBe(401);
      expect(wrong.body?.challenge).toBeUndefined();
    });

    it('an Escalate button whose step is not a step count is refused with an error toast and changes nothing', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundChat({ members: [alice.user.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);
      for (const step of [-1, 1.5, 'two', null]) {
        const malformed = cardActionEvent({
          operatorOpenId: alice.user.open_id,
          value: { action: 'escalate', incidentId: incident.id, step } as Record<string, unknown>,
          openMessageId: card.messageId,
          openChatId: card.chatId,
          appId: secrets.appId,
          tenantKey: fake.state.tenantKey,
          token: secrets.verificationToken,
        });
        const refused = await postCallback(service, secrets, malformed);
        expect({ step, status: refused.status, toast: refused.body.toast }).toEqual({
          step,
          status: 200,
          toast: { type: 'error', content: 'This button is not one of ours, or the card is malformed.' },
        });
      }
      expect(kindsOf((await incidentDetail(service, incident.id)).timeline)).toEqual(['triggered']);
    });

    it('Close shows the closed card: a Reopen button and no Acknowledge', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundChat({ members: [alice.user.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);

      const answer = await world.clickCard(alice.user.open_id, 'close', incident.id, card);
      expect(answer.status).toBe(200);
      expect(answer.elapsedMs).toBeLessThan(ANSWER_DEADLINE_MS);
      expect(answer.body.toast).toEqual({ type: 'success', content: `Closed #${incident.id}` });
      const closedCard = answer.body.card.data;
      expect(cardStatus(closedCard)).toBe('Closed');
      expect(cardText(closedCard)).toContain('Closed by **Alice**');
      expect(callbackValues(closedCard)).toEqual([{ action: 'reopen', incidentId: incident.id }]);
      expect(cardButtons(closedCard).map((button) => button.text)).not.toContain('Acknowledge');
      expect(cardButtons(closedCard).map((button) => button.text)).toContain('Reopen');

      const detail = await incidentDetail(service, incident.id);
      expect(detail.incident).toMatchObject({ status: 'closed', closedBy: alice.member!.id });

      await service.services.cards.idle();
      const shown = world.latestCard(card).content;
      expect(cardStatus(shown)).toBe('Closed');
      expect(callbackValues(shown)).toEqual([{ action: 'reopen', incidentId: incident.id }]);
      expect(fake.state.updateMultiViolations).toEqual([]);
    });
  });

  describe('cards of one incident in two chats', () => {
    /** A second group chat bound to the same channel, so every incident of it has a card in both chats. */
    async function secondChat(setup: BoundChat, members: string[]): Promise<string> {
      const chat = fake.state.addChat({ name: `${setup.channel.name} second room`, memberOpenIds: members });
      expect((await service.api('POST', '/chat-bindings', { platform: 'feishu', chatId: chat.chatId, channelId: setup.channel.id })).status).toBe(201);
      return chat.chatId;
    }
    const patchesOf = (message: FakeMessage) => fake.state.requestsTo(`/open-apis/im/v1/messages/${message.messageId}`, 'PATCH');

    it('a click redraws its own card through the answer; card sync PATCHes the other chat’s card only; a later change PATCHes both', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundChat({ members: [alice.user.open_id] });
      const otherChatId = await secondChat(setup, [alice.user.open_id]);
      const { incident, card: clicked } = await world.triggerWithCard(setup);
      const [other] = fake.state.cardsInChat(otherChatId);
      expect(cardStatus(other.content)).toBe('Triggered');

      const answer = await world.clickCard(alice.user.open_id, 'acknowledge', incident.id, clicked);
      expect(answer.body.toast).toEqual({ type: 'success', content: `Acknowledged #${incident.id}` });
      await service.services.cards.idle();
      const acknowledged = await currentCard(incident.id);
      expect(answer.body.card.data).toEqual(acknowledged);
      expect(patchesOf(clicked)).toEqual([]);
      expect(world.latestCard(clicked).content).toEqual(acknowledged);
      expect(patchesOf(other).map((request) => request.status)).toEqual([200]);
      expect(world.latestCard(other).content).toEqual(acknowledged);

      // A change made elsewhere (the admin API) updates every card, the one clicked before too.
      expect((await service.api('POST', `/incidents/${incident.id}/close`, {})).status).toBe(200);
      await service.services.cards.idle();
      const closed = await currentCard(incident.id);
      expect(cardStatus(closed)).toBe('Closed');
      expect(patchesOf(clicked).map((request) => request.status)).toEqual([200]);
      expect(world.latestCard(clicked).content).toEqual(closed);
      expect(patchesOf(other)).toHaveLength(2);
      expect(world.latestCard(other).content).toEqual(closed);
      expect(fake.state.cardsInChat(setup.chatId)).toHaveLength(1);
      expect(fake.state.cardsInChat(otherChatId)).toHaveLength(1);
      expect(fake.state.updateMultiViolations).toEqual([]);
    });

    it('two changing clicks on one card within Feishu’s answer window: the card is PATCHed to the final state as well', async () => {
      const alice = await world.person('Alice');
      const bob = await world.person('Bob');
      const setup = await world.boundChat({ members: [alice.user.open_id, bob.user.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);

      // Both answers may reach Feishu in either order: neither can be trusted to leave the card in the final state.
      expect((await world.clickCard(alice.user.open_id, 'acknowledge', incident.id, card)).body.toast.type).toBe('success');
      expect((await world.clickCard(bob.user.open_id, 'close', incident.id, card)).body.toast.type).toBe('success');
      await service.services.cards.idle();

      const closed = await currentCard(incident.id);
      expect(cardStatus(closed)).toBe('Closed');
      expect(patchesOf(card).map((request) => request.status)).toEqual([200]);
      expect(world.latestCard(card).content).toEqual(closed);
    });
  });

  describe('linking an unknown user with a link code', () => {
    it('an unlinked click gets a warning and a DM with a code; redeeming it links the user and carries out the click', async () => {
      const bob = await world.person('Bob', { member: false });
      const setup = await world.boundChat({ members: [bob.user.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);

      const answer = await postCallback(service, secrets, world.clickEvent(bob.user.open_id, 'close', incident.id, card));
      expect(answer.status).toBe(200);
      expect(answer.elapsedMs).toBeLessThan(ANSWER_DEADLINE_MS);
      expect(answer.body.toast.type).toBe('warning');
      expect(answer.body.card).toBeUndefined();
      let detail = await incidentDetail(service, incident.id);
      expect(detail.incident.status).toBe('triggered');
      expect(kindsOf(detail.timeline)).toEqual(['triggered']);

      // The DM went to Bob's open_id.
      const sends = fake.state.requestsTo('/open-apis/im/v1/messages', 'POST').filter((request) => (request.body as any)?.receive_id === bob.user.open_id);
      expect(sends.map((request) => request.query.receive_id_type)).toEqual(['open_id']);
      const dms = directTexts(fake, bob.user.open_id);
      expect(dms).toHaveLength(1);
      const code = /link code is ([A-Z0-9]{8})\b/.exec(textOf(dms[0]))?.[1];
      expect(code).toBeDefined();
      expect(textOf(dms[0])).toContain(`/api/v1/link-codes/${code}/redeem`);

      const bobMember = await createMember(service, 'Bob Builder');
      const redeemed = await service.api('POST', `/link-codes/${code}/redeem`, { memberId: bobMember.id });
      expect(redeemed.status).toBe(200);
      expect(redeemed.body).toEqual({ member: expect.objectContaining({ id: bobMember.id, name: 'Bob Builder' }), carriedOut: `Closed #${incident.id}` });

      detail = await incidentDetail(service, incident.id);
      expect(detail.incident).toMatchObject({ status: 'closed', closedBy: bobMember.id });
      expect(detail.timeline.filter((entry) => entry.kind === 'closed')).toEqual([
        expect.objectContaining({ actorType: 'member', actorId: bobMember.id, actorName: 'Bob Builder' }),
      ]);
      const identities = await service.api('GET', `/members/${bobMember.id}/im-identities`);
      expect(identities.body.items).toEqual([expect.objectContaining({ platform: 'feishu', externalId: bob.user.open_id, linkedBy: 'link_code' })]);

      const confirmation = await waitFor('the confirmation DM', () => directTexts(fake, bob.user.open_id)[1]);
      expect(textOf(confirmation)).toContain('You are now linked to on-call member Bob Builder.');
      expect(textOf(confirmation)).toContain(`Closed #${incident.id}`);

      await service.services.cards.idle();
      expect(cardStatus(world.latestCard(card).content)).toBe('Closed');

      // Single use.
      const reused = await service.api('POST', `/link-codes/${code}/redeem`, { memberId: bobMember.id });
      expect(reused.status).toBe(404);
    });

    it('an unknown or expired link code answers 404 and links nobody', async () => {
      const member = await createMember(service, 'Carol');
      const unknown = await service.api('POST', '/link-codes/ZZZZ2222/redeem', { memberId: member.id });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('not_found');

      const stranger = fake.state.addUser({ name: 'Stranger' });
      const past = new Date(Date.now() - 60 * 60_000);
      await service.db.manager.insert(LinkCodeEntity, {
        code: 'EXPRD234',
        platform: 'feishu',
        externalId: stranger.open_id,
        pendingAction: null,
        expiresAt: new Date(Date.now() - 60_000),
        createdAt: past,
      });
      const expired = await service.api('POST', '/link-codes/EXPRD234/redeem', { memberId: member.id });
      expect(expired.status).toBe(404);
      expect(expired.body.error.code).toBe('not_found');
      expect((await service.api('GET', `/members/${member.id}/im-identities`)).body.items).toEqual([]);
      expect(directTexts(fake, stranger.open_id)).toEqual([]);
    });
  });

  describe('commands (im.message.receive_v1)', () => {
    /**
     * Sends `text` to the bot (mentioned as @_user_1 in groups) and waits for the answer the sender sees: the reply in
     * the chat, or, for an answer meant for them only asked in a group, the direct message the group points to.
     */
    async function command(chatId: string, chatType: 'group' | 'p2p', sender: string, text: string): Promise<string> {
      const skip = fake.state.messagesInChat(chatId).length;
      const skipDirect = directTexts(fake, sender).length;
      await world.sendCommand(chatId, chatType, sender, text);
      const said = textOf(await nextTextInChat(fake, chatId, skip));
      if (chatType === 'group' && said === `<at user_id="${sender}"></at> I sent you a direct message.`) {
        return world.nextDirectText(sender, skipDirect);
      }
      return said;
    }

    it('list, ack <id>, and usage for malformed or unknown commands, in a group and in p2p', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundChat({ members: [alice.user.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);
      const p2p = fake.state.addChat({ name: 'Alice', chatType: 'p2p', memberOpenIds: [alice.user.open_id] });

      // In a group, list shows the open incidents of the chat's channel only.
      expect(await command(setup.chatId, 'group', alice.user.open_id, 'list')).toBe(`Open incidents:\n#${incident.id} [triggered] ${incident.title}`);
      // In p2p, list shows open incidents of every channel.
      expect(await command(p2p.chatId, 'p2p', alice.user.open_id, 'list')).toContain(`#${incident.id} [triggered] ${incident.title}`);

      const usage = await command(setup.chatId, 'group', alice.user.open_id, 'ack abc');
      expect(usage).toContain('usage: ack <incident id>');
      expect(usage).toContain('ack <id> — acknowledge an incident');
      const unknown = await command(p2p.chatId, 'p2p', alice.user.open_id, 'frobnicate');
      expect(unknown).toContain('unknown command "frobnicate"');
      expect(unknown).toContain('list — open incidents');
      expect(kindsOf((await incidentDetail(service, incident.id)).timeline)).toEqual(['triggered']);

      expect(await command(setup.chatId, 'group', alice.user.open_id, `ack ${incident.id}`)).toBe(`Acknowledged #${incident.id}`);
      const detail = await incidentDetail(service, incident.id);
      expect(detail.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: alice.member!.id });
      expect(detail.timeline.filter((entry) => entry.kind === 'acknowledged')).toHaveLength(1);
      expect(await command(p2p.chatId, 'p2p', alice.user.open_id, `ack #${incident.id}`)).toMatch(/already acknowledged by Alice/);
      expect(await command(setup.chatId, 'group', alice.user.open_id, 'list')).toBe(`Open incidents:\n#${incident.id} [acknowledged] ${incident.title}`);

      await service.services.cards.idle();
      expect(cardStatus(world.latestCard(card).content)).toBe('Acknowledged');
    });

    it('whoami tells a linked user who they act as, and an unlinked one that they are not linked', async () => {
      const alice = await world.person('Alice');
      const mallory = await world.person('Mallory', { member: false });
      const setup = await world.boundChat({ members: [alice.user.open_id, mallory.user.open_id] });

      expect(await command(setup.chatId, 'group', alice.user.open_id, 'whoami')).toBe(`You act as Alice <${alice.email}> (member ${alice.member!.id}).`);
      const mallorysChat = fake.state.addChat({ name: 'Mallory', chatType: 'p2p', memberOpenIds: [mallory.user.open_id] });
      expect(await command(mallorysChat.chatId, 'p2p', mallory.user.open_id, 'whoami')).toMatch(/not linked/);
    });

    it('bind <channel name> in a new group: a linked user binds it, an unlinked one is refused', async () => {
      const alice = await world.person('Alice');
      const mallory = await world.person('Mallory', { member: false });
      const channel = await createChannel(service, `Payments SRE ${randomHex(3)}`);

      const group = fake.state.addChat({ name: 'payments war room', memberOpenIds: [alice.user.open_id] });
      // The name as typed, in any case.
      expect(await command(group.chatId, 'group', alice.user.open_id, `bind ${channel.name.toLowerCase()}`)).toBe(`This chat now shows incidents of channel "${channel.name}".`);
      expect(await bindingsOf(group.chatId)).toEqual([expect.objectContaining({ platform: 'feishu', chatId: group.chatId, channelId: channel.id })]);

      const other = fake.state.addChat({ name: 'mallory room', memberOpenIds: [mallory.user.open_id] });
      expect(await command(other.chatId, 'group', mallory.user.open_id, `bind ${channel.name}`)).toMatch(/Only linked on-call members can bind/);
      expect(await bindingsOf(other.chatId)).toEqual([]);

      // The new binding works: the channel's next incident shows up in the group.
      const integration = await createIntegration(service, { channelId: channel.id });
      await sendAlert(integration.path, postMessage('Payment gateway 5xx', 'error rate 12%'));
      await service.services.cards.idle();
      expect(fake.state.cardsInChat(group.chatId).map((message) => message.content.header.title.content)).toEqual(['Payment gateway 5xx']);
      expect(fake.state.cardsInChat(other.chatId)).toEqual([]);
    });
  });

  describe('bot membership events', () => {
    it('bot removed from a chat unbinds it; bot added to a chat sends one welcome text', async () => {
      const setup = await world.boundChat();
      const removed = await postCallback(
        service,
        secrets,
        botDeletedEvent({ chatId: setup.chatId, chatName: 'gone', appId: secrets.appId, tenantKey: fake.state.tenantKey, token: secrets.verificationToken }),
      );
      expect(removed.status).toBe(200);
      expect(await bindingsOf(setup.chatId)).toEqual([]);
      fake.state.chats.get(setup.chatId)!.botIsMember = false;
      // The channel's next incident is not sent to the chat the bot left.
      await sendAlert(setup.integration.path, { msg_type: 'text', content: { text: 'after the bot left' } });
      await service.services.cards.idle();
      expect(fake.state.requestsTo('/open-apis/im/v1/messages', 'POST').filter((request) => (request.body as any)?.receive_id === setup.chatId)).toEqual([]);

      const chat = fake.state.addChat({ name: 'new home' });
      const added = botAddedEvent({ chatId: chat.chatId, chatName: chat.name, appId: secrets.appId, tenantKey: fake.state.tenantKey, token: secrets.verificationToken });
      const answer = await postCallback(service, secrets, added);
      expect(answer.status).toBe(200);
      expect(answer.elapsedMs).toBeLessThan(ANSWER_DEADLINE_MS);
      const welcome = await nextTextInChat(fake, chat.chatId, 0);
      expect(textOf(welcome)).toContain('bind <channel>');

      // The same event delivered again does not greet twice.
      expect((await postCallback(service, secrets, added)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(fake.state.messagesInChat(chat.chatId)).toHaveLength(1);
    });
  });

  describe('long-connection mode handlers', () => {
    it('the dispatcher, invoked as WSClient does with a plain envelope, answers a card click with toast and card', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundChat({ members: [alice.user.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);
      const feishu = service.platforms.find((platform) => platform.name === 'feishu') as FeishuApp | undefined;
      const dispatcher = feishu!.dispatcher!;

      const envelope = world.clickEvent(alice.user.open_id, 'acknowledge', incident.id, card);
      const started = performance.now();
      const result = await dispatcher.invoke(envelope, { needCheck: false });
      expect(performance.now() - started).toBeLessThan(ANSWER_DEADLINE_MS);
      fake.state.applyCallbackAnswer(card.messageId, result);
      expect(result).toEqual({ toast: { type: 'success', content: `Acknowledged #${incident.id}` }, card: { type: 'raw', data: expect.any(Object) } });
      expect(cardStatus((result as any).card.data)).toBe('Acknowledged');
      expect(cardText((result as any).card.data)).toContain('Acknowledged by **Alice**');
      expect(await dispatcher.invoke(envelope, { needCheck: false })).toEqual({});

      const detail = await incidentDetail(service, incident.id);
      expect(detail.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: alice.member!.id });
      expect(detail.timeline.filter((entry) => entry.kind === 'acknowledged')).toHaveLength(1);
      await service.services.cards.idle();
      expect(cardStatus(world.latestCard(card).content)).toBe('Acknowledged');

      // Commands over the long connection too.
      const skip = fake.state.messagesInChat(setup.chatId).length;
      await dispatcher.invoke(
        messageReceiveEvent({ chatId: setup.chatId, chatType: 'group', senderOpenId: alice.user.open_id, text: 'list', mentionBot: true, appId: secrets.appId }),
        { needCheck: false },
      );
      expect(textOf(await nextTextInChat(fake, setup.chatId, skip))).toBe(`Open incidents:\n#${incident.id} [acknowledged] ${incident.title}`);
    });
  });

  describe('pacing and resilience', () => {
    it('a storm of 30 alerts with one title ends as one card showing 30 alerts, with coalesced PATCHes and no throttling', async () => {
      fake.state.enforceRateLimits = true;
      const setup = await world.boundChat({ pushMode: 'by_title' });
      const started = Date.now();
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) => service.post(setup.integration.path, postMessage('Disk full on web-1', `event ${i}`))),
      );
      expect(answers.filter((answer) => answer.status !== 200 || answer.body.code !== 0)).toEqual([]);
      await service.services.cards.idle();

      const incidents = await incidentsOfChannel(service, setup.channel.id);
      expect(incidents).toHaveLength(1);
      expect((await incidentDetail(service, incidents[0].id)).alerts[0].eventCount).toBe(30);
      const cards = fake.state.cardsInChat(setup.chatId);
      expect(cards).toHaveLength(1);
      expect(cardAlertCount(cards[0].content)).toBe(30);
      expect(cards[0].content).toEqual(await currentCard(incidents[0].id));

      const patches = fake.state.requestsTo(`/open-apis/im/v1/messages/${cards[0].messageId}`, 'PATCH');
      expect(patches.length).toBeGreaterThanOrEqual(1);
      expect(patches.length).toBeLessThanOrEqual(10);
      expect(patches.every((request) => request.status === 200)).toBe(true);
      const throttled = fake.state.requests.filter((request) => request.at >= started && (request.code === 230020 || request.code === 99991400));
      expect(throttled).toEqual([]);
      expect(fake.state.updateMultiViolations).toEqual([]);
    });

    it('an HTTP 429 (99991400) on the PATCH is retried after x-ogw-ratelimit-reset and the card still ends up updated', async () => {
      const setup = await world.boundChat();
      const { incident, card } = await world.triggerWithCard(setup);
      fake.state.injectFailures.push({
        method: 'PATCH',
        pathPrefix: `/open-apis/im/v1/messages/${card.messageId}`,
        status: 429,
        body: { code: 99991400, msg: 'request trigger frequency limit' },
        headers: { 'x-ogw-ratelimit-limit': '5', 'x-ogw-ratelimit-reset': '1' },
        times: 1,
      });
      const since = Date.now();
      expect((await service.api('POST', `/incidents/${incident.id}/acknowledge`, {})).status).toBe(200);
      await service.services.cards.idle();

      const patches = fake.state.requestsTo(`/open-apis/im/v1/messages/${card.messageId}`, 'PATCH').filter((request) => request.at >= since);
      expect(patches.map((request) => request.status)).toEqual([429, 200]);
      expect(patches[1].at - patches[0].at).toBeGreaterThanOrEqual(900);
      expect(fake.state.injectFailures).toEqual([]);
      expect(cardStatus(world.latestCard(card).content)).toBe('Acknowledged');
      expect(world.latestCard(card).content).toEqual(await currentCard(incident.id));
      expect(fake.state.cardsInChat(setup.chatId)).toHaveLength(1);
    });

    it('a 230020 (chat frequency limit) on the card send is retried with the same uuid, and one card is posted', async () => {
      const setup = await world.boundChat();
      fake.state.injectFailures.push({
        method: 'POST',
        pathPrefix: '/open-apis/im/v1/messages',
        status: 400,
        body: { code: 230020, msg: 'This operation triggers the frequency limit.' },
        times: 1,
      });
      const deduped = fake.state.dedupedSends;
      const { incident, card } = await world.triggerWithCard(setup);

      const sends = fake.state.requestsTo('/open-apis/im/v1/messages', 'POST').filter((request) => (request.body as any)?.receive_id === setup.chatId);
      expect(sends.map((request) => [request.status, request.code])).toEqual([
        [400, 230020],
        [200, 0],
      ]);
      expect(sends[1].at - sends[0].at).toBeGreaterThanOrEqual(100);
      expect((sends[1].body as any).uuid).toBe((sends[0].body as any).uuid);
      expect(fake.state.dedupedSends).toBe(deduped);
      expect(fake.state.injectFailures).toEqual([]);
      expect(fake.state.cardsInChat(setup.chatId)).toEqual([card]);
      expect(card.content).toEqual(await currentCard(incident.id));
      const rows = await service.db.manager.findBy(ChatMessageEntity, { incidentId: incident.id });
      expect(rows.map((row) => row.messageId)).toEqual([card.messageId]);
    });

    it('a card older than 14 days is replaced by a fresh card on the next change, which later changes then update', async () => {
      const setup = await world.boundChat();
      const { incident, card: old } = await world.triggerWithCard(setup);
      fake.state.ageMessage(old.messageId, 15);

      expect((await service.api('POST', `/incidents/${incident.id}/acknowledge`, {})).status).toBe(200);
      await service.services.cards.idle();
      const patchesOfOld = () => fake.state.requestsTo(`/open-apis/im/v1/messages/${old.messageId}`, 'PATCH');
      expect(patchesOfOld().map((request) => request.code)).toEqual([230031]);
      let cards = fake.state.cardsInChat(setup.chatId);
      expect(cards).toHaveLength(2);
      const fresh = cards[1];
      expect(cardStatus(fresh.content)).toBe('Acknowledged');
      expect(cardStatus(world.latestCard(old).content)).toBe('Triggered');
      const rows = await service.db.manager.findBy(ChatMessageEntity, { incidentId: incident.id });
      expect(rows.map((row) => row.messageId)).toEqual([fresh.messageId]);

      expect((await service.api('POST', `/incidents/${incident.id}/close`, {})).status).toBe(200);
      await service.services.cards.idle();
      cards = fake.state.cardsInChat(setup.chatId);
      expect(cards).toHaveLength(2);
      expect(cardStatus(world.latestCard(fresh).content)).toBe('Closed');
      expect(world.latestCard(fresh).updates).toBe(1);
      expect(patchesOfOld()).toHaveLength(1);
    });
  });

  describe('two processes syncing cards', () => {
    it('two CardSyncServices scheduling the same fresh incidents at once post one card per incident', async () => {
      const channel = await createChannel(service, world.unique('race'));
      const integration = await createIntegration(service, { channelId: channel.id });
      // Incidents triggered before the chat is bound: no card anywhere yet.
      for (let i = 0; i < 5; i++) await sendAlert(integration.path, postMessage(`Race ${i}`, `incident ${i}`));
      await service.services.cards.idle();
      const incidentIds = (await incidentsOfChannel(service, channel.id)).map((incident) => incident.id as number);
      expect(incidentIds).toHaveLength(5);

      const chat = fake.state.addChat({ name: 'race room' });
      expect((await service.api('POST', '/chat-bindings', { platform: 'feishu', chatId: chat.chatId, channelId: channel.id })).status).toBe(201);
      expect(fake.state.cardsInChat(chat.chatId)).toEqual([]);

      // A second process (and a third, for more contention); their logs are kept so a failed claim cannot hide.
      const problems: string[] = [];
      const watchful = () =>
        pino({ level: 'warn' }, { write: (line: string) => void problems.push(line) });
      const other = new CardSyncService(service.db, service.services.views, service.destinations, watchful());
      const third = new CardSyncService(service.db, service.services.views, service.destinations, watchful());
      await Promise.all(incidentIds.flatMap((id) => [service.services.cards.schedule(id), other.schedule(id), third.schedule(id)]));
      await Promise.all([service.services.cards.idle(), other.idle(), third.idle()]);
      expect(problems).toEqual([]);

      const cards = fake.state.cardsInChat(chat.chatId);
      const cardIncident = (message: FakeMessage) => (callbackValues(message.content)[0] as { incidentId: number }).incidentId;
      expect(cards.map(cardIncident).sort((a, b) => a - b)).toEqual([...incidentIds].sort((a, b) => a - b));
      const rows = await service.db.manager.findBy(ChatMessageEntity, { chatId: chat.chatId });
      expect(rows).toHaveLength(5);
      expect(new Set(rows.map((row) => row.messageId))).toEqual(new Set(cards.map((message) => message.messageId)));
      expect(fake.state.requestsTo('/open-apis/im/v1/messages', 'POST').filter((request) => (request.body as any)?.receive_id === chat.chatId)).toHaveLength(5);
      expect(fake.state.dedupedSends).toBe(0);
    });
  });
});
