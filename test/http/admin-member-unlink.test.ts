/**
 * DELETE /members/:id/im-identities/:platform/:externalId: an admin undoes a wrong link. The account then acts as
 * nobody, and the automatic links by email or mobile never give it back to that member (the chat-app contract shows
 * the click and the page on every IM); an explicit link (mapping, link code) does.
 */
import { ImLinkBlockEntity } from '../../src/db/entities/im-link-block.entity.js';
import { createMember, expectError } from '../support/admin-helpers.js';
import { CapturedLog } from '../support/captured-log.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { directTexts } from '../support/feishu-app-helpers.js';
import { FeishuAppWorld, type Person } from '../support/feishu-app-world.js';
import type { FakeUser } from '../fakes/feishu-open-api.js';

const LINK_CODE = /Your link code is ([A-Z0-9]{8})/;

describe.each(DATABASE_KINDS)('unlinking an IM account from a member on %s', (kind) => {
  let world: FeishuAppWorld;
  const log = new CapturedLog();

  beforeAll(async () => {
    world = await FeishuAppWorld.start(kind, 'member_unlink', { config: { logLevel: 'info' }, log });
  });
  afterAll(async () => {
    await world?.stop();
  });

  const api = (method: string, path: string, body?: unknown) => world.service.api(method, path, body);
  const identitiesOf = async (memberId: number) => (await api('GET', `/members/${memberId}/im-identities`)).body.items as any[];
  const unlink = (memberId: number, openId: string, platform = 'feishu') => api('DELETE', `/members/${memberId}/im-identities/${platform}/${encodeURIComponent(openId)}`);
  const mapAccount = (memberId: number, user: FakeUser) => api('POST', '/im-identities', { platform: 'feishu', mappings: [{ memberId, externalId: user.open_id, userId: user.user_id }] });

  /** A person whose account clicked once and so got linked to their member automatically, by email. */
  async function autoLinked(name: string): Promise<Person & { member: { id: number; name: string }; chat: Awaited<ReturnType<FeishuAppWorld['boundChat']>> }> {
    const person = await world.person(name);
    const chat = await world.boundChat({ members: [person.user.open_id] });
    const { incident, card } = await world.triggerWithCard(chat);
    const answer = await world.clickCard(person.user.open_id, 'acknowledge', incident.id, card);
    expect(answer.body.toast.type).toBe('success');
    expect(await identitiesOf(person.member!.id)).toEqual([expect.objectContaining({ externalId: person.user.open_id, linkedBy: 'auto_email' })]);
    return { ...person, member: person.member!, chat };
  }

  /** The person clicks Close on a new incident: the member it acted as, or null when the click was refused as unlinked. */
  async function clickActsAs(person: Person, chat: Awaited<ReturnType<typeof autoLinked>>['chat']): Promise<number | null> {
    const { incident, card } = await world.triggerWithCard(chat);
    const answer = await world.clickCard(person.user.open_id, 'close', incident.id, card);
    await world.service.services.cards.idle();
    if (answer.body.toast.type === 'warning') return null;
    expect(answer.body.toast).toEqual({ type: 'success', content: `Closed #${incident.id}` });
    return (await api('GET', `/incidents/${incident.id}`)).body.incident.closedBy;
  }

  it('removes that one link and no other, and logs who was unlinked from whom without any secret', async () => {
    const erin = await autoLinked('Erin');
    const second = world.fake.state.addUser({ name: 'Erin (second account)', email: `erin.other.${world.unique('x')}@example.com` });
    expect((await mapAccount(erin.member.id, second)).status).toBe(200);

    const answer = await unlink(erin.member.id, erin.user.open_id);
    expect(answer).toEqual({ status: 204, body: undefined });
    expect(await identitiesOf(erin.member.id)).toEqual([expect.objectContaining({ platform: 'feishu', externalId: second.open_id, linkedBy: 'admin' })]);

    const [entry, ...more] = log.entries(/unlinked from its member by an admin/);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ level: 30, memberId: erin.member.id, platform: 'feishu', externalId: erin.user.open_id, linkedBy: 'auto_email' });
    expect(log.text).not.toContain(world.service.adminToken);
    expect(log.text).not.toContain(world.secrets.appSecret);
  });

  it('answers 404 for an unknown member, IM or account, and for an account linked to another member (which keeps its link); 401 without the token', async () => {
    const frank = await autoLinked('Frank');
    const other = await createMember(world.service, 'Someone else');
    expectError(await unlink(999_999, frank.user.open_id), 404, 'not_found');
    expectError(await unlink(frank.member.id, frank.user.open_id, 'telegram'), 404, 'not_found');
    expectError(await unlink(frank.member.id, 'ou_nobody'), 404, 'not_found', /no feishu link to the account ou_nobody/);
    expectError(await unlink(frank.member.id, `ou_${'x'.repeat(5000)}`), 404, 'not_found');
    expectError(await unlink(other.id, frank.user.open_id), 404, 'not_found');
    expect(await identitiesOf(frank.member.id)).toEqual([expect.objectContaining({ externalId: frank.user.open_id })]);

    const anonymous = await fetch(`${world.service.url}/api/v1/members/${frank.member.id}/im-identities/feishu/${frank.user.open_id}`, { method: 'DELETE' });
    expect(anonymous.status).toBe(401);
    expect(await identitiesOf(frank.member.id)).toHaveLength(1);
    // Unlinked twice: the second time there is nothing left to unlink.
    expect((await unlink(frank.member.id, frank.user.open_id)).status).toBe(204);
    expectError(await unlink(frank.member.id, frank.user.open_id), 404, 'not_found');
  });

  it('"Link by email/mobile" skips the unlinked pair and says why; the account still links by email to another member with that email', async () => {
    const grace = await autoLinked('Grace');
    expect((await unlink(grace.member.id, grace.user.open_id)).status).toBe(204);

    const report = await api('POST', '/members/auto-link', { platform: 'feishu', memberIds: [grace.member.id] });
    expect(report).toEqual({
      status: 200,
      body: {
        linked: [],
        notFound: [{ memberId: grace.member.id, platform: 'feishu', reason: expect.stringMatching(/^the feishu account with this email was unlinked from this member by an admin/) }],
      },
    });
    expect(await identitiesOf(grace.member.id)).toEqual([]);
    expect(await clickActsAs(grace, grace.chat)).toBeNull();

    // The wrong member had Grace's address: the admin corrects it and adds the right member. The unlink was about the
    // first member only.
    expect((await api('PATCH', `/members/${grace.member.id}`, { email: `someone.else.${world.unique('x')}@example.com` })).status).toBe(200);
    const right = await createMember(world.service, 'Grace Hopper', { email: grace.email });
    expect(await clickActsAs(grace, grace.chat)).toBe(right.id);
    expect(await identitiesOf(right.id)).toEqual([expect.objectContaining({ externalId: grace.user.open_id, linkedBy: 'auto_email' })]);
  });

  it('a link code redeemed for the member links the pair again; unlinking once more sticks again', async () => {
    const henry = await autoLinked('Henry');
    expect((await unlink(henry.member.id, henry.user.open_id)).status).toBe(204);
    const dms = directTexts(world.fake, henry.user.open_id).length;
    expect(await clickActsAs(henry, henry.chat)).toBeNull();
    const code = LINK_CODE.exec(await world.nextDirectText(henry.user.open_id, dms))?.[1];
    expect(code).toBeDefined();

    expect((await api('POST', `/link-codes/${code}/redeem`, { memberId: henry.member.id })).status).toBe(200);
    expect(await identitiesOf(henry.member.id)).toEqual([expect.objectContaining({ externalId: henry.user.open_id, linkedBy: 'link_code' })]);
    expect(await world.service.db.manager.countBy(ImLinkBlockEntity, { memberId: henry.member.id })).toBe(0);
    expect(await clickActsAs(henry, henry.chat)).toBe(henry.member.id);

    expect((await unlink(henry.member.id, henry.user.open_id)).status).toBe(204);
    expect(await clickActsAs(henry, henry.chat)).toBeNull();
    expect(await identitiesOf(henry.member.id)).toEqual([]);
  });

  it('withdraws a mapping by user id still waiting for its account: that account then acts as nobody at its first click', async () => {
    const judy = await world.person('Judy');
    // A mistyped user id: it belongs to a stranger whose email is not Judy's.
    const stranger = world.fake.state.addUser({ name: 'Stranger', email: `stranger.${world.unique('x')}@example.com` });
    const mapped = await api('POST', '/im-identities', { platform: 'feishu', mappings: [{ memberId: judy.member!.id, userId: stranger.user_id }] });
    expect(mapped.body.items).toEqual([expect.objectContaining({ externalId: null, userId: stranger.user_id })]);
    const withdraw = (query: string, memberId = judy.member!.id, platform = 'feishu') => api('DELETE', `/members/${memberId}/awaiting-links/${platform}${query}`);

    expectError(await withdraw(''), 400, 'validation', /userId or unionId: needed/);
    expectError(await withdraw(`?userId=${stranger.user_id}`, judy.member!.id, 'teams'), 404, 'not_found');
    expectError(await withdraw('?userId=someone-else'), 404, 'not_found', /no feishu mapping waiting/);
    // Hostile query values: a huge id, a repeated parameter, markup — a plain 404, the mapping untouched.
    expectError(await withdraw(`?userId=${'x'.repeat(5000)}`), 404, 'not_found');
    expectError(await withdraw(`?userId=a&userId=b`), 400, 'validation');
    expectError(await withdraw(`?unionId=${encodeURIComponent('<script>alert(1)</script>')}`), 404, 'not_found');
    expect(await identitiesOf(judy.member!.id)).toEqual([expect.objectContaining({ externalId: null, userId: stranger.user_id })]);
    expect(await withdraw(`?userId=${encodeURIComponent(stranger.user_id!)}`)).toEqual({ status: 204, body: undefined });
    expect(await identitiesOf(judy.member!.id)).toEqual([]);
    expectError(await withdraw(`?userId=${encodeURIComponent(stranger.user_id!)}`), 404, 'not_found');

    const chat = await world.boundChat({ members: [stranger.open_id] });
    expect(await clickActsAs({ user: stranger } as Person, chat)).toBeNull();
    expect(await identitiesOf(judy.member!.id)).toEqual([]);
  });

  it('removing the member removes what was kept of its unlinks', async () => {
    const ivy = await autoLinked('Ivy');
    expect((await unlink(ivy.member.id, ivy.user.open_id)).status).toBe(204);
    expect(await world.service.db.manager.countBy(ImLinkBlockEntity, { memberId: ivy.member.id })).toBe(1);
    expect((await api('DELETE', `/members/${ivy.member.id}`)).status).toBe(204);
    expect(await world.service.db.manager.countBy(ImLinkBlockEntity, { memberId: ivy.member.id })).toBe(0);
  });
});
