/**
 * The Feishu app (bot) end to end, through real HTTP, for what is Feishu's own: Card JSON 2.0 cards redrawn by the
 * click's answer, callbacks encrypted with the Encrypt Key and signed over the raw body, event redelivery, the long
 * connection, Feishu's rate-limit answers, and two processes posting cards. What every IM app must do (cards, clicks,
 * linking, commands, escalation, reposts, storms, the bot joining and leaving) is the chat-app contract,
 * test/contracts/. The SQLite suite dedupes events on the database, the MariaDB one on Redis.
 */
import { LinkCodeEntity } from '../../../src/db/entities/link-code.entity.js';
import { ChatMessageEntity } from '../../../src/db/entities/chat-message.entity.js';
import { pino } from 'pino';
import { renderFeishuIncidentCard } from '../../../src/platforms/feishu/feishu-card.renderer.js';
import { CardSyncService } from '../../../src/services/chat/card-sync.service.js';
import { cardActionEvent, messageReceiveEvent, urlVerification } from '../../fakes/feishu-callbacks.js';
import type { FakeFeishu, FakeMessage } from '../../fakes/feishu-open-api.js';
import { createChannel, createMember } from '../../support/admin-helpers.js';
import { DATABASE_KINDS } from '../../support/databases.js';
import {
  callbackValues,
  cardButtons,
  cardStatus,
  cardText,
  directTexts,
  nextTextInChat,
  postCallback,
  randomHex,
  textOf,
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

  describe('incident card and a click', () => {
    it('an alert posts one Card JSON 2.0 with update_multi; a click, encrypted and signed, is answered with a toast and the new card, which Feishu shows in place (no PATCH)', async () => {
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

      // Linked automatically: the contact API gave Alice's email.
      expect(fake.state.requestsTo(`/open-apis/contact/v3/users/${alice.user.open_id}`, 'GET').length).toBeGreaterThanOrEqual(1);

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

      // Closed: a Reopen button, and no Acknowledge left (not even a disabled one).
      const closed = (await world.clickCard(alice.user.open_id, 'close', incident.id, shown)).body.card.data;
      expect(cardButtons(closed).map((button) => button.text)).toContain('Reopen');
      expect(cardButtons(closed).map((button) => button.text)).not.toContain('Acknowledge');
      await service.services.cards.idle();
      expect(fake.state.updateMultiViolations).toEqual([]);
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

  describe('link codes', () => {
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
      const other = new CardSyncService(service.db, service.services.views, service.destinations, watchful(), service.metrics);
      const third = new CardSyncService(service.db, service.services.views, service.destinations, watchful(), service.metrics);
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
