/**
 * Where Feishu bot commands (im.message.receive_v1) are answered: in a group, what nobody else may see (a link code, the
 * caller's email) goes by direct message, the rest is said in the group. What the commands do is the chat-app
 * contract, test/contracts/.
 */
import { COMMAND_USAGE } from '../../../src/domain/commands.js';
import { DATABASE_KINDS } from '../../support/databases.js';
import { directTexts, nextTextInChat, textOf } from '../../support/feishu-app-helpers.js';
import { FeishuAppWorld } from '../../support/feishu-app-world.js';
import { createChannel } from '../../support/admin-helpers.js';
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
});
