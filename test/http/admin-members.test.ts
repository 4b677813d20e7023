import { DATABASE_KINDS } from '../support/databases.js';
import { createMember, expectError, expectValidation } from '../support/admin-helpers.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe.each(DATABASE_KINDS)('admin API members on %s', (kind) => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService(kind, 'admin_members');
  });
  afterAll(async () => {
    await service.stop();
  });

  describe('admin mark and contact methods', () => {
    it('are saved, patched, and validated', async () => {
      const created = await service.api('POST', '/members', { name: 'Adm', isAdmin: true, contactMethods: ['email', 'im'] });
      expect(created.body).toMatchObject({ isAdmin: true, contactMethods: ['email', 'im'] });
      const patched = await service.api('PATCH', `/members/${created.body.id}`, { isAdmin: false, contactMethods: null });
      expect(patched.body).toMatchObject({ isAdmin: false, contactMethods: null });
      for (const contactMethods of [['im', 'im'], ['sms'], []]) {
        const refused = await service.api('POST', '/members', { name: 'Bad', contactMethods });
        expect(refused.status).toBe(400);
        expect(refused.body.error.message).toMatch(/contactMethods/);
      }
    });
  });

  describe('create, list, get', () => {
    it('creates a member with only a name', async () => {
      const created = await service.api('POST', '/members', { name: 'Ada' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(Number),
        name: 'Ada',
        email: null,
        phone: null,
        isAdmin: false,
        contactMethods: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(await service.api('GET', `/members/${created.body.id}`)).toEqual({ status: 200, body: created.body });
    });

    it('keeps email and phone', async () => {
      const member = await createMember(service, 'Grace', { email: 'grace@example.com', phone: '+86 138 0000 0000' });
      expect(member).toMatchObject({ name: 'Grace', email: 'grace@example.com', phone: '+86 138 0000 0000' });
    });

    it('lists members in creation order', async () => {
      const a = await createMember(service, 'List A');
      const b = await createMember(service, 'List B');
      const list = await service.api('GET', '/members');
      expect(list.status).toBe(200);
      const ids = list.body.items.map((member: any) => member.id);
      expect(ids).toEqual([...ids].sort((x: number, y: number) => x - y));
      expect(list.body.items).toEqual(expect.arrayContaining([a, b]));
    });

    it('any number of members may have no email', async () => {
      await createMember(service, 'No Mail 1');
      await createMember(service, 'No Mail 2', { email: null });
    });
  });

  describe('validation', () => {
    it.each([
      ['name missing', { email: 'x@example.com' }, 'name'],
      ['name blank', { name: ' ' }, 'name'],
      ['a malformed email', { name: 'M', email: 'not-an-email' }, 'email'],
      ['an email without domain', { name: 'M', email: 'someone@' }, 'email'],
      ['an email that is not a string', { name: 'M', email: 12 }, 'email'],
      ['a phone with letters', { name: 'M', phone: 'call me' }, 'phone'],
      ['an unknown field', { name: 'M', mail: 'x@example.com' }, 'mail'],
    ])('POST with %s → 400 naming the field', async (_label, body, field) => {
      expectValidation(await service.api('POST', '/members', body), field);
    });

    it.each([
      ['a malformed email', { email: 'nope' }, 'email'],
      ['a blank name', { name: '' }, 'name'],
      ['an unknown field', { role: 'admin' }, 'role'],
    ])('PATCH with %s → 400 and nothing changes', async (_label, body, field) => {
      const member = await createMember(service, `Patch ${field}`, { email: `patch-${field}@example.com` });
      expectValidation(await service.api('PATCH', `/members/${member.id}`, body), field);
      expect((await service.api('GET', `/members/${member.id}`)).body).toEqual(member);
    });

    it('a path id that is not a positive integer → 400', async () => {
      expectValidation(await service.api('GET', '/members/1.5'), 'id');
    });
  });

  describe('unknown ids', () => {
    it.each([
      ['GET', undefined],
      ['PATCH', { name: 'x' }],
      ['DELETE', undefined],
    ])('%s of an unknown member → 404', async (method, body) => {
      expectError(await service.api(method, '/members/424242', body), 404, 'not_found', '424242');
    });
  });

  describe('email uniqueness', () => {
    it('emails are kept lowercase, so one differing only in case is the same email on every database → 409', async () => {
      const member = await createMember(service, 'Cased', { email: 'Cased.Person@Example.COM' });
      expect(member.email).toBe('cased.person@example.com');
      expectError(await service.api('POST', '/members', { name: 'Other', email: 'cased.PERSON@example.com' }), 409, 'conflict', 'cased.person@example.com');
    });

    it('a second member with the same email → 409', async () => {
      await createMember(service, 'First', { email: 'oncall@example.com' });
      expectError(await service.api('POST', '/members', { name: 'Second', email: 'oncall@example.com' }), 409, 'conflict', 'oncall@example.com');
    });

    it('changing one’s email onto another member’s → 409', async () => {
      await createMember(service, 'Owner', { email: 'taken@example.com' });
      const member = await createMember(service, 'Mover', { email: 'mine@example.com' });
      expectError(await service.api('PATCH', `/members/${member.id}`, { email: 'taken@example.com' }), 409, 'conflict', 'taken@example.com');
      expect((await service.api('GET', `/members/${member.id}`)).body.email).toBe('mine@example.com');
    });
  });

  describe('patch', () => {
    it('changes only the given fields', async () => {
      const member = await createMember(service, 'Linus', { email: 'linus@example.com', phone: '+1 555 0100' });
      const renamed = await service.api('PATCH', `/members/${member.id}`, { name: 'Linus T.' });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ id: member.id, name: 'Linus T.', email: 'linus@example.com', phone: '+1 555 0100' });

      const rephoned = await service.api('PATCH', `/members/${member.id}`, { phone: '+1 555 0199' });
      expect(rephoned.body).toMatchObject({ name: 'Linus T.', email: 'linus@example.com', phone: '+1 555 0199' });
      expect(rephoned.body.createdAt).toBe(member.createdAt);
    });

    it('null clears email and phone, and frees the email', async () => {
      const member = await createMember(service, 'Clear', { email: 'clear@example.com', phone: '12345' });
      const cleared = await service.api('PATCH', `/members/${member.id}`, { email: null, phone: null });
      expect(cleared.body).toMatchObject({ name: 'Clear', email: null, phone: null });
      await createMember(service, 'Reuser', { email: 'clear@example.com' });
    });

    it('an empty patch changes nothing', async () => {
      const member = await createMember(service, 'Still', { email: 'still@example.com' });
      const answer = await service.api('PATCH', `/members/${member.id}`, {});
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ name: 'Still', email: 'still@example.com', phone: null });
    });
  });

  describe('delete', () => {
    it('deletes a member, frees its email, then 404', async () => {
      const member = await createMember(service, 'Gone', { email: 'gone@example.com' });
      expect(await service.api('DELETE', `/members/${member.id}`)).toEqual({ status: 204, body: undefined });
      expectError(await service.api('GET', `/members/${member.id}`), 404, 'not_found');
      expectError(await service.api('DELETE', `/members/${member.id}`), 404, 'not_found');
      expect((await service.api('GET', '/members')).body.items.map((m: any) => m.id)).not.toContain(member.id);
      await createMember(service, 'Gone Again', { email: 'gone@example.com' });
    });
  });
});
