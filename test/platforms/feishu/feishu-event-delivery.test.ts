/**
 * How deliveries are recognised: event_id (schema 2.0) or uuid (schema 1.0) dedupe, events carrying neither, and the
 * timestamp window that keeps a captured, validly signed callback from being replayed once its event id is forgotten.
 */
import * as lark from '@larksuiteoapi/node-sdk';
import { EVENT_DEDUPE_RETENTION_MS } from '../../../src/lib/dedupe.js';
import { dedupeKeyOf } from '../../../src/platforms/feishu/feishu-events.js';
import { messageReceiveEvent, schemaV1Event, signFeishuRequest } from '../../fakes/feishu-callbacks.js';
import { DATABASE_KINDS } from '../../support/databases.js';
import { cardStatus, directTexts, postCallback, textOf, waitFor } from '../../support/feishu-app-helpers.js';
import { incidentDetail } from '../../support/feishu-helpers.js';
import { FeishuAppWorld } from '../../support/feishu-app-world.js';

const DAY_MS = 24 * 3600 * 1000;

describe('dedupe keys of the events the SDK hands over', () => {
  /** What the SDK's dispatcher gives a handler for `envelope` (it flattens header / schema 1.0 fields onto the event). */
  async function flattened(type: string, envelope: object): Promise<Record<string, any>> {
    let seen: Record<string, any> | undefined;
    const dispatcher = new lark.EventDispatcher({ loggerLevel: lark.LoggerLevel.error }).register({
      [type]: async (data: Record<string, any>) => {
        seen = data;
      },
    } as any);
    await dispatcher.invoke(envelope, { needCheck: false });
    if (!seen) throw new Error(`the dispatcher did not call the ${type} handler`);
    return seen;
  }

  it('a schema 1.0 event is known by its uuid, a 2.0 one by header.event_id, one with neither by nothing', async () => {
    const v1 = schemaV1Event({ type: 'add_bot', uuid: 'c4f3cd9f2b5a41a0b1c2d3e4f5a6b7c8', event: { open_chat_id: 'oc_v1chat', chat_name: 'ops' } });
    expect(dedupeKeyOf(await flattened('add_bot', v1))).toBe('feishu:uuid:c4f3cd9f2b5a41a0b1c2d3e4f5a6b7c8');

    const v2 = { schema: '2.0', header: { event_id: 'f7984f25108f8137722bb63cee927e66', event_type: 'im.chat.member.bot.added_v1', token: 't' }, event: { chat_id: 'oc_x' } };
    expect(dedupeKeyOf(await flattened('im.chat.member.bot.added_v1', v2))).toBe('feishu:f7984f25108f8137722bb63cee927e66');

    const bare = { schema: '2.0', header: { event_type: 'im.chat.member.bot.added_v1', token: 't' }, event: { chat_id: 'oc_x' } };
    expect(dedupeKeyOf(await flattened('im.chat.member.bot.added_v1', bare))).toBeUndefined();
  });
});

describe.each(DATABASE_KINDS)('Feishu event delivery on %s', (kind) => {
  let world: FeishuAppWorld;

  beforeAll(async () => {
    world = await FeishuAppWorld.start(kind, 'feishu_delivery');
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('an event without event_id or uuid is handled at every delivery instead of being dropped', async () => {
    const alice = await world.person('Alice');
    const chat = world.p2pChatOf(alice.user);
    const event = messageReceiveEvent({
      chatId: chat.chatId,
      chatType: 'p2p',
      senderOpenId: alice.user.open_id,
      text: 'help',
      appId: world.secrets.appId,
      token: world.secrets.verificationToken,
    });
    delete (event.header as Partial<typeof event.header>).event_id;

    for (const delivery of [1, 2]) {
      const answer = await postCallback(world.service, world.secrets, event);
      expect(answer).toMatchObject({ status: 200, body: {} });
      const replies = await waitFor(`help reply ${delivery}`, () => {
        const texts = directTexts(world.fake, alice.user.open_id);
        return texts.length >= delivery ? texts : undefined;
      });
      expect(textOf(replies[delivery - 1])).toContain('ack <id>');
    }
  });

  describe('timestamp window on signed callbacks', () => {
    /** Re-signs the request as if Feishu had sent it `ageMs` ago (a captured request: the signature is genuine). */
    const sentAgo = (ageMs: number) => (request: { body: string; headers: Record<string, string> }) => {
      Object.assign(request.headers, signFeishuRequest(world.secrets.encryptKey!, request.body, { timestamp: Math.floor((Date.now() - ageMs) / 1000) }));
    };

    it('a validly signed click sent 8 days ago is refused and changes nothing; the same event sent now works', async () => {
      expect(EVENT_DEDUPE_RETENTION_MS).toBe(7 * DAY_MS);
      const alice = await world.person('Alice');
      const setup = await world.boundChat({ members: [alice.user.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);
      const event = world.clickEvent(alice.user.open_id, 'acknowledge', incident.id, card);
      const requestsBefore = world.fake.state.requests.length;

      const replayed = await postCallback(world.service, world.secrets, event, sentAgo(8 * DAY_MS));
      expect(replayed.status).toBe(401);
      expect(replayed.body).toEqual({ msg: 'request timestamp outside the accepted window' });

      await world.service.services.cards.idle();
      const detail = await incidentDetail(world.service, incident.id);
      expect(detail.incident.status).toBe('triggered');
      expect(detail.timeline.map((entry) => entry.kind)).toEqual(['triggered']);
      expect(cardStatus(world.latestCard(card).content)).toBe('Triggered');
      expect(world.latestCard(card).updates).toBe(0);
      // Nothing was asked of Feishu either (no contact lookup, no DM, no PATCH).
      expect(world.fake.state.requests.slice(requestsBefore)).toEqual([]);
      // The identities table did not learn Alice.
      expect((await world.service.api('GET', `/members/${alice.member!.id}/im-identities`)).body.items).toEqual([]);

      const genuine = await world.clickCard(alice.user.open_id, 'acknowledge', incident.id, card);
      expect(genuine.body.toast).toEqual({ type: 'success', content: `Acknowledged #${incident.id}` });
      await world.service.services.cards.idle();
    });

    it('a click signed 6 days ago (inside the window) is still accepted', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundChat({ members: [alice.user.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);
      const answer = await postCallback(world.service, world.secrets, world.clickEvent(alice.user.open_id, 'close', incident.id, card), sentAgo(6 * DAY_MS));
      expect(answer.status).toBe(200);
      expect(answer.body.toast).toEqual({ type: 'success', content: `Closed #${incident.id}` });
      await world.service.services.cards.idle();
    });

    it('a validly signed click dated 10 minutes ahead is refused and changes nothing; 1 minute ahead (clock skew) is accepted', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundChat({ members: [alice.user.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);

      const ahead = await postCallback(world.service, world.secrets, world.clickEvent(alice.user.open_id, 'acknowledge', incident.id, card), sentAgo(-10 * 60_000));
      expect(ahead.status).toBe(401);
      expect(ahead.body).toEqual({ msg: 'request timestamp outside the accepted window' });
      await world.service.services.cards.idle();
      expect((await incidentDetail(world.service, incident.id)).timeline.map((entry) => entry.kind)).toEqual(['triggered']);

      const skewed = await postCallback(world.service, world.secrets, world.clickEvent(alice.user.open_id, 'acknowledge', incident.id, card), sentAgo(-60_000));
      expect(skewed.status).toBe(200);
      expect(skewed.body.toast).toEqual({ type: 'success', content: `Acknowledged #${incident.id}` });
      await world.service.services.cards.idle();
    });

    it('a timestamp that is not a number is refused even with a matching signature', async () => {
      const alice = await world.person('Alice');
      const setup = await world.boundChat({ members: [alice.user.open_id] });
      const { incident, card } = await world.triggerWithCard(setup);
      const answer = await postCallback(world.service, world.secrets, world.clickEvent(alice.user.open_id, 'close', incident.id, card), (request) => {
        Object.assign(request.headers, signFeishuRequest(world.secrets.encryptKey!, request.body, { timestamp: 'yesterday' }));
      });
      expect(answer.status).toBe(401);
      // Refused before the dispatcher: no change, so nothing for card sync to do either.
      await world.service.services.cards.idle();
      expect((await incidentDetail(world.service, incident.id)).timeline.map((entry) => entry.kind)).toEqual(['triggered']);
    });
  });
});
