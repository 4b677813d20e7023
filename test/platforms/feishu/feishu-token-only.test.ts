/**
 * Webhook mode with a Verification Token and no Encrypt Key: Feishu posts plain JSON, unsigned, and the token in the
 * body (url_verification) or in header.token (schema 2.0 events) is the only proof. The mode is a matter of the
 * callback route alone, so one database is enough.
 */
import { urlVerification } from '../../fakes/feishu-callbacks.js';
import { FEISHU_CALLBACK_PATH, cardStatus, postCallback, randomHex } from '../../support/feishu-app-helpers.js';
import { incidentDetail } from '../../support/feishu-helpers.js';
import { FeishuAppWorld } from '../../support/feishu-app-world.js';

describe('Feishu app with a Verification Token only (no Encrypt Key)', () => {
  let world: FeishuAppWorld;

  beforeAll(async () => {
    world = await FeishuAppWorld.start('sqlite', 'feishu_token_only', { encryptKey: false });
    expect(world.secrets.encryptKey).toBeUndefined();
  });
  afterAll(async () => {
    await world?.stop();
  });

  /** The raw request as sent, to prove it is plain JSON with no signature headers. */
  async function postPlain(object: unknown) {
    const seen: Array<{ body: string; headers: Record<string, string> }> = [];
    const answer = await postCallback(world.service, world.secrets, object, (request) => void seen.push({ ...request, headers: { ...request.headers } }));
    expect(JSON.parse(seen[0].body)).toEqual(object);
    expect(Object.keys(seen[0].headers).filter((name) => name.toLowerCase().startsWith('x-lark'))).toEqual([]);
    return answer;
  }

  it('url_verification in plain JSON answers the challenge; with another token it is refused', async () => {
    const challenge = `challenge-${randomHex(8)}`;
    expect(await postPlain(urlVerification({ token: world.secrets.verificationToken, challenge }))).toMatchObject({ status: 200, body: { challenge } });
    const wrong = await postPlain(urlVerification({ token: 'not-our-token', challenge }));
    expect(wrong.status).toBe(401);
    expect(wrong.body.challenge).toBeUndefined();
  });

  it('a plain click with the token in header.token acts; one with another token is refused and changes nothing', async () => {
    const alice = await world.person('Alice');
    const setup = await world.boundChat({ members: [alice.user.open_id] });
    const { incident, card } = await world.triggerWithCard(setup);

    const forged = await postPlain(world.clickEvent(alice.user.open_id, 'close', incident.id, card, { token: 'guessed-token' }));
    expect(forged.status).toBe(401);
    expect(forged.body.toast).toBeUndefined();
    expect((await incidentDetail(world.service, incident.id)).timeline.map((entry) => entry.kind)).toEqual(['triggered']);

    const click = world.clickEvent(alice.user.open_id, 'acknowledge', incident.id, card);
    expect(click.header.token).toBe(world.secrets.verificationToken);
    const answer = await postPlain(click);
    expect(answer.status).toBe(200);
    expect(answer.body.toast).toEqual({ type: 'success', content: `Acknowledged #${incident.id}` });
    expect(cardStatus(answer.body.card.data)).toBe('Acknowledged');
    const detail = await incidentDetail(world.service, incident.id);
    expect(detail.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: alice.member!.id });
    // A re-delivery is still recognised by its event_id.
    expect(await postPlain(click)).toMatchObject({ status: 200, body: {} });
    expect((await incidentDetail(world.service, incident.id)).timeline.map((entry) => entry.kind)).toEqual(['triggered', 'acknowledged']);
    await world.service.services.cards.idle();
  });

  it('a plain command is answered', async () => {
    const alice = await world.person('Alice');
    const setup = await world.boundChat({ members: [alice.user.open_id] });
    const { incident } = await world.triggerWithCard(setup);
    expect(await world.directCommand(alice.user, `ack ${incident.id}`)).toBe(`Acknowledged #${incident.id}`);
    expect((await incidentDetail(world.service, incident.id)).incident.status).toBe('acknowledged');
    await world.service.services.cards.idle();
  });

  it('an encrypted body is refused with 400: there is no Encrypt Key to read it with', async () => {
    const response = await fetch(`${world.service.url}${FEISHU_CALLBACK_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ encrypt: 'P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ msg: 'encrypted callback but FEISHU_ENCRYPT_KEY is not configured' });
  });
});
