/**
 * Feishu accounts ↔ members beyond the email match: automatic links by mobile, admin mappings by Feishu user_id /
 * union_id (matched at the account's first click or command, which fills in the other ids), and the action an
 * unlinked user clicked, carried out once whenever the account gets linked.
 */
import { LinkCodeEntity } from '../../../src/db/entities/link-code.entity.js';
import { createMember } from '../../support/admin-helpers.js';
import { DATABASE_KINDS } from '../../support/databases.js';
import { cardStatus, cardText, directTexts, textOf, waitFor } from '../../support/feishu-app-helpers.js';
import { incidentDetail } from '../../support/feishu-helpers.js';
import { FeishuAppWorld } from '../../support/feishu-app-world.js';
import type { FakeMessage, FakeUser } from '../../fakes/feishu-open-api.js';

describe.each(DATABASE_KINDS)('Feishu account linking on %s', (kind) => {
  let world: FeishuAppWorld;

  beforeAll(async () => {
    world = await FeishuAppWorld.start(kind, 'feishu_linking');
  });
  afterAll(async () => {
    await world?.stop();
  });

  const identitiesOf = async (memberId: number) => (await world.service.api('GET', `/members/${memberId}/im-identities`)).body.items as any[];
  const kindsOf = async (incidentId: number) => (await incidentDetail(world.service, incidentId)).timeline.map((entry) => entry.kind);
  const mapAccounts = (mappings: object[]) => world.service.api('POST', '/im-identities', { platform: 'feishu', mappings });
  /** Every id Feishu sends with a click when the app may read them. */
  const allIds = (user: FakeUser) => ({ userId: user.user_id, unionId: user.union_id });

  /** An unlinked user's click: nothing changes, and a DM tells them how to link. */
  async function unlinkedClick(user: FakeUser, action: string, incidentId: number, card: FakeMessage, ids = {}) {
    const dms = directTexts(world.fake, user.open_id).length;
    const answer = await world.clickCard(user.open_id, action, incidentId, card, ids);
    expect(answer.body.toast.type).toBe('warning');
    expect(answer.body.card).toBeUndefined();
    expect(await world.nextDirectText(user.open_id, dms)).toContain(`Once linked, your "${action}" on incident #${incidentId} will be carried out.`);
    // Sent to the user's open_id, which Feishu delivers in the bot's direct chat with them.
    const sends = world.fake.state.requestsTo('/open-apis/im/v1/messages', 'POST').filter((request) => (request.body as any)?.receive_id === user.open_id);
    expect(sends.at(-1)!.query.receive_id_type).toBe('open_id');
  }

  describe('automatic link by mobile', () => {
    it('a user whose email matches no member but whose mobile matches a member’s phone acts as that member', async () => {
      const member = await createMember(world.service, 'Frank', { email: `frank.${world.unique('x')}@corp.example`, phone: '+86 138 0013 8000' });
      const frank = world.fake.state.addUser({ name: 'Frank', email: `frank.private.${world.unique('x')}@example.com`, mobile: '+8613800138000' });
      const setup = await world.boundChat({ members: [frank.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);

      const answer = await world.clickCard(frank.open_id, 'acknowledge', incident.id, card);
      expect(answer.body.toast).toEqual({ type: 'success', content: `Acknowledged #${incident.id}` });
      expect((await incidentDetail(world.service, incident.id)).incident.acknowledgedBy).toBe(member.id);
      expect(await identitiesOf(member.id)).toEqual([
        expect.objectContaining({ platform: 'feishu', externalId: frank.open_id, userId: frank.user_id, unionId: frank.union_id, linkedBy: 'auto_mobile' }),
      ]);
      await world.service.services.cards.idle();
    });
  });

  describe('admin mapping by Feishu user_id / union_id', () => {
    it('a mapping by user_id alone waits for the account; its click (open_id + user_id + union_id) acts as the member and completes the link', async () => {
      const dave = world.fake.state.addUser({ name: 'Dave', email: `dave.${world.unique('x')}@elsewhere.example` });
      const member = await createMember(world.service, 'Dave Ops', { email: `dave.ops.${world.unique('x')}@corp.example` });
      const setup = await world.boundChat({ members: [dave.open_id] });
      const first = await world.triggerWithCard(setup);
      const second = await world.triggerWithCard(setup);

      const mapped = await mapAccounts([{ memberId: member.id, userId: dave.user_id }]);
      expect(mapped).toEqual({
        status: 200,
        body: { items: [expect.objectContaining({ platform: 'feishu', externalId: null, userId: dave.user_id, unionId: null, memberId: member.id, linkedBy: 'admin' })] },
      });
      expect(await identitiesOf(member.id)).toEqual([expect.objectContaining({ externalId: null, userId: dave.user_id })]);

      const answer = await world.clickCard(dave.open_id, 'acknowledge', first.incident.id, first.card, allIds(dave));
      expect(answer.body.toast).toEqual({ type: 'success', content: `Acknowledged #${first.incident.id}` });
      expect(cardText(answer.body.card.data)).toContain('Acknowledged by **Dave Ops**');
      expect((await incidentDetail(world.service, first.incident.id)).incident.acknowledgedBy).toBe(member.id);
      // Matched by the mapping, not by a contact lookup.
      expect(world.fake.state.requestsTo(`/open-apis/contact/v3/users/${dave.open_id}`)).toEqual([]);
      expect(await identitiesOf(member.id)).toEqual([
        expect.objectContaining({ platform: 'feishu', externalId: dave.open_id, userId: dave.user_id, unionId: dave.union_id, memberId: member.id, linkedBy: 'admin' }),
      ]);

      // Now known by its open_id: a click carrying nothing else finds the link.
      const closed = await world.clickCard(dave.open_id, 'close', second.incident.id, second.card);
      expect(closed.body.toast).toEqual({ type: 'success', content: `Closed #${second.incident.id}` });
      expect((await incidentDetail(world.service, second.incident.id)).incident.closedBy).toBe(member.id);
      await world.service.services.cards.idle();
    });

    it('a mapping by union_id is matched by a command too', async () => {
      const erin = world.fake.state.addUser({ name: 'Erin', email: `erin.${world.unique('x')}@elsewhere.example` });
      const member = await createMember(world.service, 'Erin Ops');
      expect((await mapAccounts([{ memberId: member.id, unionId: erin.union_id }])).status).toBe(200);

      const chat = world.p2pChatOf(erin);
      const skip = directTexts(world.fake, erin.open_id).length;
      await world.sendCommand(chat.chatId, 'p2p', erin.open_id, 'whoami', allIds(erin));
      expect(await world.nextDirectText(erin.open_id, skip)).toBe(`You act as Erin Ops (member ${member.id}).`);
      expect(await identitiesOf(member.id)).toEqual([expect.objectContaining({ externalId: erin.open_id, userId: erin.user_id, unionId: erin.union_id })]);
    });

    it('mapping the user_id of an account linked before moves that link to the new member, from its next click on', async () => {
      const alice = await world.person('Alice');
      const bob = await createMember(world.service, 'Bob');
      const setup = await world.boundChat({ members: [alice.user.open_id] });
      const first = await world.triggerWithCard(setup);
      const second = await world.triggerWithCard(setup);
      expect((await world.clickCard(alice.user.open_id, 'acknowledge', first.incident.id, first.card)).body.toast.type).toBe('success');

      const mapped = await mapAccounts([{ memberId: bob.id, userId: alice.user.user_id }]);
      expect(mapped.body.items).toEqual([expect.objectContaining({ externalId: alice.user.open_id, userId: alice.user.user_id, memberId: bob.id, linkedBy: 'admin' })]);
      const answer = await world.clickCard(alice.user.open_id, 'acknowledge', second.incident.id, second.card);
      expect(cardText(answer.body.card.data)).toContain('Acknowledged by **Bob**');
      expect(await identitiesOf(alice.member!.id)).toEqual([]);
      await world.service.services.cards.idle();
    });

    it('a link made by open_id only learns the user_id at the next click, where a newer mapping of that user_id wins', async () => {
      const gail = world.fake.state.addUser({ name: 'Gail', email: `gail.${world.unique('x')}@elsewhere.example` });
      const old = await createMember(world.service, 'Gail Old');
      const current = await createMember(world.service, 'Gail Current');
      const setup = await world.boundChat({ members: [gail.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);

      expect((await mapAccounts([{ memberId: old.id, externalId: gail.open_id }])).status).toBe(200);
      expect((await mapAccounts([{ memberId: current.id, userId: gail.user_id }])).body.items).toEqual([expect.objectContaining({ externalId: null })]);
      const answer = await world.clickCard(gail.open_id, 'acknowledge', incident.id, card, allIds(gail));
      expect(cardText(answer.body.card.data)).toContain('Acknowledged by **Gail Current**');
      expect(await identitiesOf(old.id)).toEqual([]);
      expect(await identitiesOf(current.id)).toEqual([expect.objectContaining({ externalId: gail.open_id, userId: gail.user_id, unionId: gail.union_id })]);
      await world.service.services.cards.idle();
    });
  });

  describe('the action an unlinked user clicked, once the account gets linked', () => {
    it('an admin mapping after the click carries it out: incident closed, card updated, one timeline entry, the user told', async () => {
      const bob = await world.person('Bob', { member: false });
      const setup = await world.boundChat({ members: [bob.user.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);
      await unlinkedClick(bob.user, 'close', incident.id, card);
      const code = /link code is ([A-Z0-9]{8})\b/.exec(textOf(directTexts(world.fake, bob.user.open_id).at(-1)!))![1];
      expect(await kindsOf(incident.id)).toEqual(['triggered']);

      const member = await createMember(world.service, 'Bob Builder');
      const dms = directTexts(world.fake, bob.user.open_id).length;
      expect((await mapAccounts([{ memberId: member.id, externalId: bob.user.open_id }])).status).toBe(200);

      const detail = await incidentDetail(world.service, incident.id);
      expect(detail.incident).toMatchObject({ status: 'closed', closedBy: member.id });
      expect(detail.timeline.filter((entry) => entry.kind === 'closed')).toEqual([expect.objectContaining({ actorType: 'member', actorId: member.id, actorName: 'Bob Builder' })]);
      await world.service.services.cards.idle();
      expect(cardStatus(world.latestCard(card).content)).toBe('Closed');
      expect(cardText(world.latestCard(card).content)).toContain('Closed by **Bob Builder**');
      expect(world.latestCard(card).updates).toBe(1);
      expect(await world.nextDirectText(bob.user.open_id, dms)).toBe(`You are now linked to on-call member Bob Builder.\nClosed #${incident.id}`);

      // Once: mapping again, or redeeming the code the click left, does not do it again.
      expect((await mapAccounts([{ memberId: member.id, externalId: bob.user.open_id }])).status).toBe(200);
      expect((await world.service.api('POST', `/link-codes/${code}/redeem`, { memberId: member.id })).status).toBe(404);
      expect(await kindsOf(incident.id)).toEqual(['triggered', 'closed']);
    });

    it('a mapping by the user_id the click carried finds the account through its link code and carries the click out', async () => {
      const carl = world.fake.state.addUser({ name: 'Carl', email: `carl.${world.unique('x')}@elsewhere.example` });
      const setup = await world.boundChat({ members: [carl.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);
      await unlinkedClick(carl, 'acknowledge', incident.id, card, allIds(carl));

      const member = await createMember(world.service, 'Carl Ops');
      const mapped = await mapAccounts([{ memberId: member.id, userId: carl.user_id }]);
      expect(mapped.body.items).toEqual([expect.objectContaining({ externalId: carl.open_id, userId: carl.user_id, unionId: carl.union_id, linkedBy: 'admin' })]);
      expect((await incidentDetail(world.service, incident.id)).incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: member.id });
      expect(await kindsOf(incident.id)).toEqual(['triggered', 'acknowledged']);
      await world.service.services.cards.idle();
      expect(cardStatus(world.latestCard(card).content)).toBe('Acknowledged');
    });

    it('an automatic link (a member with the user’s email added later) carries it out at the user’s next command', async () => {
      const gina = world.fake.state.addUser({ name: 'Gina', email: `gina.${world.unique('x')}@example.com` });
      const setup = await world.boundChat({ members: [gina.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);
      await unlinkedClick(gina, 'acknowledge', incident.id, card);

      const member = await createMember(world.service, 'Gina', { email: gina.email });
      const skip = directTexts(world.fake, gina.open_id).length;
      await world.sendCommand(world.p2pChatOf(gina).chatId, 'p2p', gina.open_id, 'whoami');
      const texts = await waitFor('the link note and the whoami answer', () => {
        const now = directTexts(world.fake, gina.open_id).slice(skip).map(textOf);
        return now.length >= 2 ? now : undefined;
      });
      expect(texts.sort()).toEqual([`You act as Gina <${gina.email}> (member ${member.id}).`, `You are now linked to on-call member Gina.\nAcknowledged #${incident.id}`].sort());
      expect((await incidentDetail(world.service, incident.id)).incident.acknowledgedBy).toBe(member.id);
      expect(await kindsOf(incident.id)).toEqual(['triggered', 'acknowledged']);
      await world.service.services.cards.idle();
    });

    it('only the newest pending click is carried out, and none once its code has expired', async () => {
      const hank = await world.person('Hank', { member: false });
      const setup = await world.boundChat({ members: [hank.user.open_id] });
      const a = await world.triggerWithCard(setup);
      const b = await world.triggerWithCard(setup);
      await unlinkedClick(hank.user, 'close', a.incident.id, a.card);
      await unlinkedClick(hank.user, 'acknowledge', b.incident.id, b.card);

      const member = await createMember(world.service, 'Hank Ops');
      expect((await mapAccounts([{ memberId: member.id, externalId: hank.user.open_id }])).status).toBe(200);
      expect(await kindsOf(a.incident.id)).toEqual(['triggered']);
      expect((await incidentDetail(world.service, b.incident.id)).incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: member.id });
      expect(await world.service.db.manager.countBy(LinkCodeEntity, { externalId: hank.user.open_id })).toBe(0);

      const ivy = await world.person('Ivy', { member: false });
      const c = await world.triggerWithCard(setup);
      await unlinkedClick(ivy.user, 'close', c.incident.id, c.card);
      // Older than a link code's lifetime (30 minutes).
      await world.service.db.manager.update(LinkCodeEntity, { externalId: ivy.user.open_id }, { expiresAt: new Date(Date.now() - 60_000) });
      const ivyMember = await createMember(world.service, 'Ivy Ops');
      expect((await mapAccounts([{ memberId: ivyMember.id, externalId: ivy.user.open_id }])).status).toBe(200);
      expect(await kindsOf(c.incident.id)).toEqual(['triggered']);
      await world.service.services.cards.idle();
    });
  });
});
