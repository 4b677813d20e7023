/**
 * Bot commands (im.message.receive_v1) end to end: where answers go (in a group, what nobody else may see — a link
 * code, the caller's email — goes by direct message, the rest is said in the group), and help / close / escalate / reopen / link.
 */
import { COMMAND_USAGE } from '../../../src/domain/commands.js';
import { DATABASE_KINDS } from '../../support/databases.js';
import { cardStatus, cardText, directTexts, nextTextInChat, textOf, waitFor } from '../../support/feishu-app-helpers.js';
import { incidentDetail } from '../../support/feishu-helpers.js';
import { FeishuAppWorld } from '../../support/feishu-app-world.js';
import { createChannel, createMember } from '../../support/admin-helpers.js';
import type { FakeUser } from '../../fakes/feishu-open-api.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(DATABASE_KINDS)('Feishu bot commands on %s', (kind) => {
  let world: FeishuAppWorld;

  beforeAll(async () => {
    world = await FeishuAppWorld.start(kind, 'feishu_commands');
  });
  afterAll(async () => {
    await world?.stop();
  });

  const groupTexts = (chatId: string) => world.fake.state.messagesInChat(chatId).filter((message) => message.msgType === 'text').map(textOf);
  const pointer = (user: FakeUser) => `<at user_id="${user.open_id}"></at> I sent you a direct message.`;

  /** A command @mentioning the bot in a group whose answer is private: the DM it sent, after the group's pointer. */
  async function privateAnswerInGroup(chatId: string, sender: FakeUser, text: string): Promise<string> {
    const skipGroup = world.fake.state.messagesInChat(chatId).length;
    const skipDirect = directTexts(world.fake, sender.open_id).length;
    await world.sendCommand(chatId, 'group', sender.open_id, text);
    const said = await nextTextInChat(world.fake, chatId, skipGroup);
    expect(textOf(said)).toBe(pointer(sender));
    return world.nextDirectText(sender.open_id, skipDirect);
  }

  describe('private answers', () => {
    it('whoami in a group: the email goes by direct message, the group only hears where to look', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundChat({ members: [alice.user.open_id] });

      const answer = await privateAnswerInGroup(setup.chatId, alice.user, 'whoami');
      expect(answer).toBe(`You act as Alice <${alice.email}> (member ${alice.member!.id}).`);
      expect(groupTexts(setup.chatId)).toEqual([pointer(alice.user)]);
      expect(groupTexts(setup.chatId).join('\n')).not.toContain(alice.email);
      // The pointer @mentions the caller, nobody else.
      const sent = world.fake.state.requestsTo('/open-apis/im/v1/messages', 'POST').filter((request) => (request.body as any)?.receive_id === setup.chatId);
      expect(sent.map((request) => request.query.receive_id_type)).toEqual(['chat_id']);
    });

    it('link in a group: the one-time code goes by direct message only', async () => {
      const mallory = await world.person('Mallory', { member: false });
      const setup = await world.boundChat({ members: [mallory.user.open_id] });

      const answer = await privateAnswerInGroup(setup.chatId, mallory.user, 'link');
      const code = /link code is ([A-Z0-9]{8})\b/.exec(answer)?.[1];
      expect(code).toBeDefined();
      expect(groupTexts(setup.chatId)).toEqual([pointer(mallory.user)]);
      expect(groupTexts(setup.chatId).join('\n')).not.toContain(code!);
    });

    it('answers that are harmless to show (usage, help, bind) are said in the group, without a direct message', async () => {
      const alice = await world.person('Alice');
      const group = world.fake.state.addChat({ name: 'new war room', memberOpenIds: [alice.user.open_id] });

      const dmsAtFirst = directTexts(world.fake, alice.user.open_id).length;
      const skipUsage = world.fake.state.messagesInChat(group.chatId).length;
      await world.sendCommand(group.chatId, 'group', alice.user.open_id, 'ack twelve');
      const usage = textOf(await nextTextInChat(world.fake, group.chatId, skipUsage));
      expect(usage).toContain('usage: ack <incident id>');
      expect(usage).toContain(COMMAND_USAGE);
      expect(directTexts(world.fake, alice.user.open_id)).toHaveLength(dmsAtFirst);

      const channel = await createChannel(world.service, world.unique('payments'));
      const skip = world.fake.state.messagesInChat(group.chatId).length;
      const dmsBefore = directTexts(world.fake, alice.user.open_id).length;
      await world.sendCommand(group.chatId, 'group', alice.user.open_id, `bind ${channel.name}`);
      expect(textOf(await nextTextInChat(world.fake, group.chatId, skip))).toBe(`This chat now shows incidents of channel "${channel.name}".`);
      await sleep(100);
      expect(directTexts(world.fake, alice.user.open_id)).toHaveLength(dmsBefore);
    });

    it('when the bot cannot DM the caller, the group hears that, and not the answer', async () => {
      const bob = await world.person('Bob');
      bob.user.botAvailable = false;
      const setup = await world.boundChat({ members: [bob.user.open_id] });
      const skip = world.fake.state.messagesInChat(setup.chatId).length;

      await world.sendCommand(setup.chatId, 'group', bob.user.open_id, 'whoami');
      const said = textOf(await nextTextInChat(world.fake, setup.chatId, skip));
      expect(said).toBe(`<at user_id="${bob.user.open_id}"></at> I could not send you a direct message with the answer. Send the command to me in a direct chat.`);
      expect(said).not.toContain(bob.email);
      expect(world.fake.state.requestsTo('/open-apis/im/v1/messages', 'POST').filter((request) => request.code === 230013)).not.toHaveLength(0);
    });

    it('in a direct chat the answer is simply the reply there', async () => {
      const alice = await world.person('Alice');
      const chat = world.p2pChatOf(alice.user);
      expect(await world.directCommand(alice.user, 'whoami')).toBe(`You act as Alice <${alice.email}> (member ${alice.member!.id}).`);
      expect(world.fake.state.messagesInChat(chat.chatId).map(textOf)).toEqual([`You act as Alice <${alice.email}> (member ${alice.member!.id}).`]);
    });
  });

  describe('commands', () => {
    it('help lists every command, in a direct chat and in a group', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundChat({ members: [alice.user.open_id] });
      expect(await world.directCommand(alice.user, 'help')).toBe(`Commands:\n${COMMAND_USAGE}`);
      const skip = world.fake.state.messagesInChat(setup.chatId).length;
      await world.sendCommand(setup.chatId, 'group', alice.user.open_id, 'help');
      expect(textOf(await nextTextInChat(world.fake, setup.chatId, skip))).toBe(`Commands:\n${COMMAND_USAGE}`);
    });

    it('close <id> and reopen <id> change the incident, write one timeline entry each and update its card', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundChat({ members: [alice.user.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);

      expect(await world.directCommand(alice.user, `close ${incident.id}`)).toBe(`Closed #${incident.id}`);
      let detail = await incidentDetail(world.service, incident.id);
      expect(detail.incident).toMatchObject({ status: 'closed', closedBy: alice.member!.id });
      await world.service.services.cards.idle();
      expect(cardStatus(world.latestCard(card).content)).toBe('Closed');
      expect(cardText(world.latestCard(card).content)).toContain('Closed by **Alice**');

      expect(await world.directCommand(alice.user, `close #${incident.id}`)).toMatch(new RegExp(`#${incident.id} is already closed by Alice`));
      expect(await world.directCommand(alice.user, `reopen ${incident.id}`)).toBe(`Reopened #${incident.id}`);
      detail = await incidentDetail(world.service, incident.id);
      expect(detail.incident.status).toBe('triggered');
      expect(detail.timeline.map((entry) => entry.kind)).toEqual(['triggered', 'closed', 'reopened']);
      expect(detail.timeline[2]).toMatchObject({ actorType: 'member', actorId: alice.member!.id });
      await world.service.services.cards.idle();
      expect(cardStatus(world.latestCard(card).content)).toBe('Triggered');

      expect(await world.directCommand(alice.user, `reopen ${incident.id}`)).toMatch(new RegExp(`#${incident.id} is already open`));
      expect(await world.directCommand(alice.user, 'close 999999')).toBe('Incident #999999 does not exist');
    });

    it('escalate <id> pages the next level of the incident’s rule; without a rule it says why not', async () => {
      const alice = await world.person('Alice');
      const bob = await world.person('Bob');
      const setup = await world.boundChat({ members: [alice.user.open_id, bob.user.open_id] });

      const unruled = await world.triggerWithCard(setup);
      expect(await world.directCommand(alice.user, `escalate ${unruled.incident.id}`)).toBe(
        `Not escalated: no escalation rule applies to incident #${unruled.incident.id}.`,
      );

      const rule = await world.service.api('POST', `/channels/${setup.channel.id}/escalation-rules`, {
        name: 'two levels',
        levels: [
          { memberIds: [alice.member!.id], waitMinutes: 30, notifyDirect: true },
          { memberIds: [bob.member!.id], waitMinutes: 30, notifyDirect: true },
        ],
      });
      expect(rule.status).toBe(201);
      const { incident } = await world.triggerWithCard(setup);
      // Level 1 pages Alice when the incident triggers.
      await waitFor('the level 1 page', () => directTexts(world.fake, alice.user.open_id).find((message) => textOf(message).includes(`Escalation level 1: incident #${incident.id}`)));

      const bobsPagesBefore = directTexts(world.fake, bob.user.open_id).length;
      expect(await world.directCommand(alice.user, `escalate ${incident.id}`)).toBe(`Escalated #${incident.id} to level 2: paging Bob`);
      const page = await world.nextDirectText(bob.user.open_id, bobsPagesBefore);
      expect(page).toContain(`Escalation level 2: incident #${incident.id}`);
      expect(await world.directCommand(alice.user, `escalate ${incident.id}`)).toBe(
        `Not escalated: incident #${incident.id} has already been escalated to its last level.`,
      );
      await world.service.services.escalations.idle();
    });

    it('link in a direct chat gives a code that links the account once redeemed; a linked user is told so', async () => {
      const carol = await world.person('Carol', { member: false });
      const answer = await world.directCommand(carol.user, 'link');
      const code = /link code is ([A-Z0-9]{8})\b/.exec(answer)?.[1];
      expect(code).toBeDefined();
      expect(answer).toContain(`/api/v1/link-codes/${code}/redeem`);
      expect(await world.directCommand(carol.user, 'whoami')).toMatch(/not linked/);

      const member = await createMember(world.service, 'Carol Danvers');
      const redeemed = await world.service.api('POST', `/link-codes/${code}/redeem`, { memberId: member.id });
      expect(redeemed).toEqual({ status: 200, body: { member: expect.objectContaining({ id: member.id }), carriedOut: null } });
      await waitFor('the confirmation DM', () => directTexts(world.fake, carol.user.open_id).find((message) => textOf(message).startsWith('You are now linked')));
      expect(await world.directCommand(carol.user, 'whoami')).toBe(`You act as Carol Danvers (member ${member.id}).`);
      expect(await world.directCommand(carol.user, 'link')).toBe('You are already linked to Carol Danvers.');
    });
  });
});
