/**
 * Finding a member's Slack account by email (users.lookupByEmail, scope users:read.email): an admin maps members by
 * email alone, and an escalation page links unlinked members on the fly so the page @mentions and DMs them. The
 * fake answers users_not_found for unknown emails and 429 with Retry-After when rate limited, as Slack does.
 */
import { slackVisibleText, startFakeSlack, type FakeSlack, type FakeSlackUser } from '../../fakes/slack-web-api.js';
import { createChannel, createMember, expectError } from '../../support/admin-helpers.js';
import { REDIS_TEST_URL } from '../../support/databases.js';
import { randomHex, waitFor } from '../../support/feishu-app-helpers.js';
import { FEISHU_SUCCESS, createIntegration, incidentsOfChannel } from '../../support/feishu-helpers.js';
import { startTestService, type TestService } from '../../support/test-service.js';

const BOT_TOKEN = 'xoxb-lookup-test';

describe('Slack accounts found by email', () => {
  let fake: FakeSlack;
  let service: TestService;

  beforeAll(async () => {
    fake = await startFakeSlack({ botToken: BOT_TOKEN });
    service = await startTestService('mariadb', 'slack_email_lookup', {
      slack: { botToken: BOT_TOKEN, signingSecret: randomHex(16), connection: 'http', apiUrl: fake.url },
      redisUrl: REDIS_TEST_URL,
    });
  });
  afterAll(async () => {
    await service?.stop();
    await fake?.close();
  });
  beforeEach(() => {
    fake.state.injectFailures.length = 0;
  });

  const emailOf = (name: string) => `${name.toLowerCase()}.${randomHex(4)}@example.com`;
  /** A member, and (unless `inSlack: false`) a Slack user with the same email, in Slack's own capitalisation. */
  async function person(name: string, options: { inSlack?: boolean } = {}): Promise<{ member: { id: number; name: string }; email: string; user?: FakeSlackUser }> {
    const email = emailOf(name);
    const member = await createMember(service, name, { email });
    const user = options.inSlack === false ? undefined : fake.state.addUser({ name: name.toLowerCase(), realName: name, email: email.replace(/^./, (c) => c.toUpperCase()) });
    return { member, email, user };
  }
  const lookupsFor = (email: string) => fake.state.requestsTo('users.lookupByEmail').filter((request) => String(request.args.email).toLowerCase() === email);
  const identitiesOf = async (memberId: number) => (await service.api('GET', `/members/${memberId}/im-identities`)).body.items as any[];

  describe('admin mapping by email alone', () => {
    it('links the member to the Slack user with that email', async () => {
      const dana = await person('Dana');
      const answer = await service.api('POST', '/im-identities', { platform: 'slack', mappings: [{ memberEmail: dana.email }] });
      expect(answer.status).toBe(200);
      expect(answer.body.items).toEqual([expect.objectContaining({ platform: 'slack', externalId: dana.user!.id, memberId: dana.member.id, linkedBy: 'admin' })]);
      expect(await identitiesOf(dana.member.id)).toEqual([expect.objectContaining({ externalId: dana.user!.id })]);

      const [lookup] = lookupsFor(dana.email);
      expect(lookup).toMatchObject({ httpMethod: 'POST', status: 200, ok: true, token: BOT_TOKEN });
      expect(lookup.contentType).toBe('application/x-www-form-urlencoded');
    });

    it('an email Slack does not know is refused with the reason, and nothing is linked', async () => {
      const ghost = await person('Ghost', { inSlack: false });
      const answer = await service.api('POST', '/im-identities', { platform: 'slack', mappings: [{ memberId: ghost.member.id }] });
      expectError(answer, 400, 'validation', `mappings.0: no slack user with the email ${ghost.email}`);
      expect(lookupsFor(ghost.email).map((request) => [request.status, request.error])).toEqual([[200, 'users_not_found']]);
      expect(await identitiesOf(ghost.member.id)).toEqual([]);
    });

    it('a deactivated Slack user is not linked', async () => {
      const gone = await person('Gone');
      gone.user!.deleted = true;
      const answer = await service.api('POST', '/im-identities', { platform: 'slack', mappings: [{ memberId: gone.member.id }] });
      expectError(answer, 400, 'validation', /no slack user with the email/);
      expect(await identitiesOf(gone.member.id)).toEqual([]);
    });

    it('a 429 with Retry-After is waited out, then the lookup succeeds', async () => {
      const erin = await person('Erin');
      fake.state.rateLimitNext('users.lookupByEmail', 1, { match: (args) => String(args.email).toLowerCase() === erin.email });
      const answer = await service.api('POST', '/im-identities', { platform: 'slack', mappings: [{ memberEmail: erin.email }] });
      expect(answer.status).toBe(200);
      expect(answer.body.items[0]).toMatchObject({ externalId: erin.user!.id });
      const lookups = lookupsFor(erin.email);
      expect(lookups.map((request) => request.status)).toEqual([429, 200]);
      expect(lookups[0].retryAfter).toBe(1);
      expect(lookups[1].at - lookups[0].at).toBeGreaterThanOrEqual(950);
    });

    it('without users:read.email Slack refuses the lookup (missing_scope), and the admin is told so', async () => {
      const fay = await person('Fay');
      fake.state.removeScopes('users:read.email');
      try {
        const answer = await service.api('POST', '/im-identities', { platform: 'slack', mappings: [{ memberId: fay.member.id }] });
        expectError(answer, 500, 'internal', `mappings.0: looking up ${fay.email} on slack failed (Slack API error: missing_scope)`);
      } finally {
        fake.state.grantScopes('users:read.email');
      }
      expect(lookupsFor(fay.email).map((request) => request.error)).toEqual(['missing_scope']);
    });

    it('a platform that cannot search by email needs the externalId', async () => {
      const gil = await person('Gil', { inSlack: false });
      const answer = await service.api('POST', '/im-identities', { platform: 'feishu', mappings: [{ memberId: gil.member.id }] });
      expectError(answer, 400, 'validation', /mappings\.0\.externalId: needed/);
    });
  });

  describe('escalation pages', () => {
    it('an unlinked member is found by email, linked, @mentioned in the channel and DMed; one Slack does not know is paged without a mention and not looked up again', async () => {
      const hana = await person('Hana');
      const ivan = await person('Ivan', { inSlack: false });
      const channel = await createChannel(service, `payments-${randomHex(3)}`);
      const integration = await createIntegration(service, { channelId: channel.id });
      const room = fake.state.addChannel({ name: channel.name, members: [hana.user!.id] });
      expect((await service.api('POST', '/chat-bindings', { platform: 'slack', chatId: room.id, channelId: channel.id })).status).toBe(201);
      const rule = await service.api('POST', `/channels/${channel.id}/escalation-rules`, { name: 'all hours', levels: [{ memberIds: [hana.member.id, ivan.member.id], waitMinutes: 30 }] });
      expect(rule.status).toBe(201);
      expect(await identitiesOf(hana.member.id)).toEqual([]);

      expect(await service.post(integration.path, { msg_type: 'text', content: { text: 'Payments API 5xx' } })).toEqual({ status: 200, body: FEISHU_SUCCESS });
      const [incident] = await incidentsOfChannel(service, channel.id);

      const page = await waitFor('the page in the channel', () => fake.state.messagesIn(room.id).find((message) => message.text.includes('Escalation level 1')));
      expect(page.text.startsWith(`<@${hana.user!.id}> `)).toBe(true);
      expect(slackVisibleText(page.text, fake.state.users)).toContain(`@hana Escalation level 1: incident #${incident.id}`);
      const dm = await waitFor('the DM to Hana', () => fake.state.dmsTo(hana.user!.id)[0]);
      expect(slackVisibleText(dm.text)).toContain(`incident #${incident.id}`);
      expect(await identitiesOf(hana.member.id)).toEqual([expect.objectContaining({ platform: 'slack', externalId: hana.user!.id, linkedBy: 'auto_email' })]);
      expect(lookupsFor(hana.email).map((request) => request.status)).toEqual([200]);
      expect(lookupsFor(ivan.email).map((request) => request.error)).toEqual(['users_not_found']);
      expect(await identitiesOf(ivan.member.id)).toEqual([]);

      // The next incident pages both again: Hana is linked now, and Ivan's email is remembered as unknown.
      expect(await service.post(integration.path, { msg_type: 'text', content: { text: 'Payments DB slow' } })).toEqual({ status: 200, body: FEISHU_SUCCESS });
      await waitFor('the second page', () => (fake.state.messagesIn(room.id).filter((message) => message.text.includes('Escalation level 1')).length === 2 ? true : undefined));
      expect(lookupsFor(hana.email)).toHaveLength(1);
      expect(lookupsFor(ivan.email)).toHaveLength(1);
    });
  });
});
