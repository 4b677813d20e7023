import { ImapFlow } from 'imapflow';
import { startDovecot, type DovecotServer } from '../../support/dovecot.js';

let dovecot: DovecotServer;
beforeAll(async () => {
  dovecot = await startDovecot();
});
afterAll(async () => dovecot?.close());

test('the test Dovecot takes a login and an APPEND', async () => {
  const { user, password } = dovecot.takeUser();
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user, pass: password }, logger: false });
  await client.connect();
  await client.append('INBOX', 'Subject: hi\r\n\r\nbody\r\n');
  const status = await client.status('INBOX', { messages: true, unseen: true });
  expect(status).toMatchObject({ messages: 1, unseen: 1 });
  await client.logout();
});
