import { DATABASE_KINDS, dropDatabase, freshDatabase } from '../../support/databases.js';
import { startDovecot, type DovecotServer } from '../../support/dovecot.js';
import {
  alertsOf,
  createEmailIntegration,
  deliver,
  eventually,
  folderStatus,
  htmlOnlyMail,
  integrationView,
  newMailbox,
  plainMail,
  withImap,
} from '../../support/email-helpers.js';
import { incidentsOfChannel } from '../../support/feishu-helpers.js';
import { startServiceOn } from '../../support/escalation-helpers.js';
import { startTestService, type TestService } from '../../support/test-service.js';

const RESOLVE_RULES = [
  { action: 'close', conditions: [{ field: 'content', op: 'contains', value: 'RESOLVED' }], keyField: 'title', keyRegex: '(.*)' },
  { action: 'trigger', conditions: [], keyField: 'title', keyRegex: '(.*)' },
];

let dovecot: DovecotServer;
beforeAll(async () => {
  dovecot = await startDovecot();
});
afterAll(async () => dovecot?.close());

describe.each(DATABASE_KINDS)('email intake from a real IMAP mailbox on %s', (kind) => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService(kind, 'email_intake', { logLevel: (process.env.EMAIL_TEST_LOG as any) ?? 'silent' });
  });
  afterAll(async () => service?.stop());

  it('always_new: each message is one alert (subject = title, text = description, headers kept), then marked seen', async () => {
    const mailbox = newMailbox(dovecot);
    await deliver(dovecot, mailbox, [plainMail('Disk full on web-1', 'Used 99% of /var'), plainMail('Disk full on web-1', 'Used 100% of /var')]);
    const { id, channelId } = await createEmailIntegration(service, dovecot, mailbox);
    const incidents = await eventually(() => incidentsOfChannel(service, channelId), (list) => list.length === 2);
    expect(incidents.map((incident) => incident.title)).toEqual(['Disk full on web-1', 'Disk full on web-1']);
    const alerts = await alertsOf(service, id);
    expect(alerts.map((alert) => alert.description).sort()).toEqual(['Used 100% of /var', 'Used 99% of /var']);
    expect(alerts[0].rawPayload).toMatch(/^From: Monitor <monitor@example\.com>\r?\nTo: alerts@example\.com/);
    expect(alerts[0].rawPayload).not.toContain('Used 99%');
    expect(await eventually(() => folderStatus(dovecot, mailbox), (status) => status.unseen === 0)).toEqual({ messages: 2, unseen: 0 });
    const view = await eventually(() => integrationView(service, id), (shown) => shown.health.lastIncomingAt !== null && shown.health.lastSuccessfulCheckAt !== null);
    expect(view.health).toMatchObject({ incomingErrors: 0, outgoingErrors: 0, lastIncomingError: null });
    expect(view.lastModifiedBy).toBe('admin');
    expect(view.mailbox).toBe(`${mailbox.user} at ${dovecot.host}:${dovecot.port}, folder INBOX`);
    expect(view).not.toHaveProperty('imapPassword');
    expect(view.hasImapPassword).toBe(true);
  });

  it('by_title: the same subject twice is one alert seen twice', async () => {
    const mailbox = newMailbox(dovecot);
    const { id, channelId } = await createEmailIntegration(service, dovecot, mailbox, { pushMode: 'by_title' });
    await deliver(dovecot, mailbox, [plainMail('CPU high on db-1', 'value 91%')]);
    await eventually(() => alertsOf(service, id), (alerts) => alerts.length === 1);
    await deliver(dovecot, mailbox, [plainMail('CPU high on db-1', 'value 97%')]);
    const [alert] = await eventually(() => alertsOf(service, id), (alerts) => alerts[0]?.eventCount === 2);
    expect(alert.description).toBe('value 97%');
    expect(await incidentsOfChannel(service, channelId)).toHaveLength(1);
  });

  it('by_rules: a RESOLVED mail closes the incident its subject opened', async () => {
    const mailbox = newMailbox(dovecot);
    const { channelId } = await createEmailIntegration(service, dovecot, mailbox, { pushMode: 'by_rules', pushRules: RESOLVE_RULES });
    await deliver(dovecot, mailbox, [plainMail('[PROBLEM] api latency', 'p99 2.3 s')]);
    await eventually(() => incidentsOfChannel(service, channelId), (list) => list.length === 1 && list[0].status === 'triggered');
    await deliver(dovecot, mailbox, [plainMail('[PROBLEM] api latency', 'RESOLVED: p99 0.2 s')]);
    const [incident] = await eventually(() => incidentsOfChannel(service, channelId), (list) => list[0]?.status === 'closed');
    expect(incident.alertCount).toBe(1);
  });

  it('routing and keywords are the shared ones: a shared integration routes by subject; mail without a keyword is marked seen but makes no alert', async () => {
    const mailbox = newMailbox(dovecot);
    const { channelId: defaultChannelId } = await createEmailIntegration(service, dovecot, newMailbox(dovecot), { enabled: false });
    const dbChannel = (await service.api('POST', '/channels', { name: `db-${Date.now()}` })).body.id;
    const answer = await service.api('POST', '/integrations', {
      type: 'email',
      name: 'Shared mailbox',
      kind: 'shared',
      defaultChannelId,
      routes: [{ conditions: [{ field: 'title', op: 'contains', value: 'mysql' }], channelId: dbChannel }],
      keywords: ['ALERT'],
      imapHost: dovecot.host,
      imapPort: dovecot.port,
      imapTls: false,
      imapUser: mailbox.user,
      imapPassword: mailbox.password,
      pollSeconds: 1,
    });
    expect(answer.status).toBe(201);
    await deliver(dovecot, mailbox, [plainMail('ALERT mysql replica lag', 'lag 300 s'), plainMail('ALERT web 500s', 'rate 5%'), plainMail('newsletter', 'not an alert')]);
    await eventually(() => folderStatus(dovecot, mailbox), (status) => status.unseen === 0);
    expect((await incidentsOfChannel(service, dbChannel)).map((incident) => incident.title)).toEqual(['ALERT mysql replica lag']);
    expect((await incidentsOfChannel(service, defaultChannelId)).map((incident) => incident.title)).toEqual(['ALERT web 500s']);
  });

  it('a message read again after its alert was stored (a crash before it was flagged) is not a second alert', async () => {
    const mailbox = newMailbox(dovecot);
    const { id } = await createEmailIntegration(service, dovecot, mailbox);
    await deliver(dovecot, mailbox, [plainMail('Only once', 'x')]);
    await eventually(() => alertsOf(service, id), (alerts) => alerts.length === 1);
    await eventually(() => folderStatus(dovecot, mailbox), (status) => status.unseen === 0);
    // As if the flag had never been set: the watcher reads the message again.
    await withImap(dovecot, mailbox, async (client) => {
      await client.mailboxOpen('INBOX');
      await client.messageFlagsRemove('1:*', ['\\Seen']);
    });
    await eventually(() => folderStatus(dovecot, mailbox), (status) => status.unseen === 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await alertsOf(service, id)).toHaveLength(1);
  });

  it('HTML-only mail is converted to text; hostile markup does not survive as markup', async () => {
    const mailbox = newMailbox(dovecot);
    const { id } = await createEmailIntegration(service, dovecot, mailbox);
    await deliver(dovecot, mailbox, [htmlOnlyMail('Backup failed', '<html><body><h1>Backup</h1><p>Job <b>nightly</b> failed</p><script>alert(1)</script></body></html>')]);
    const [alert] = await eventually(() => alertsOf(service, id), (alerts) => alerts.length === 1);
    expect(alert.description).toContain('nightly');
    expect(alert.description).toContain('failed');
    expect(alert.description).not.toMatch(/<[a-z/]/i);
  });

  it('processedAction "move": processed messages leave the folder for the processed one (made when missing)', async () => {
    const mailbox = newMailbox(dovecot);
    const { id } = await createEmailIntegration(service, dovecot, mailbox, { processedAction: 'move', processedFolder: 'Processed' });
    await deliver(dovecot, mailbox, [plainMail('Moved one', 'a'), plainMail('Moved two', 'b')]);
    await eventually(() => alertsOf(service, id), (alerts) => alerts.length === 2);
    expect(await eventually(() => folderStatus(dovecot, mailbox), (status) => status.messages === 0)).toEqual({ messages: 0, unseen: 0 });
    expect(await folderStatus(dovecot, mailbox, 'Processed')).toEqual({ messages: 2, unseen: 0 });
  });
});

describe.each(DATABASE_KINDS)('email intake across a restart on %s', (kind) => {
  it('a stop mid-batch loses no message and doubles none', async () => {
    const database = await freshDatabase(kind, 'email_restart');
    const mailbox = newMailbox(dovecot);
    const total = 300;
    await deliver(dovecot, mailbox, Array.from({ length: total }, (_, index) => plainMail(`Alert ${index}`, `body ${index}`)));
    let service = await startServiceOn(database);
    let integrationId: number;
    try {
      integrationId = (await createEmailIntegration(service, dovecot, mailbox)).id;
      await eventually(() => alertsOf(service, integrationId), (alerts) => alerts.length > 0, 30_000);
    } finally {
      await service.stop();
    }
    const afterStop = (await folderStatus(dovecot, mailbox)).unseen;
    service = await startServiceOn(database);
    try {
      const alerts = await eventually(() => alertsOf(service, integrationId), (list) => list.length >= total, 60_000);
      await eventually(() => folderStatus(dovecot, mailbox), (status) => status.unseen === 0);
      // Give a double a chance to show.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const final = await alertsOf(service, integrationId);
      expect(final).toHaveLength(total);
      expect(new Set(final.map((alert) => alert.title)).size).toBe(total);
      expect(alerts.length).toBe(total);
      // The stop really was mid-batch: some mail was still unseen when the first run stopped.
      expect(afterStop).toBeGreaterThan(0);
      expect(afterStop).toBeLessThan(total);
    } finally {
      await service.stop();
      await dropDatabase(database);
    }
  }, 120_000);
});

describe('two instances reading one mailbox (MariaDB, as several instances run in production)', () => {
  it('make exactly one alert per message', async () => {
    const database = await freshDatabase('mariadb', 'email_two_instances');
    const mailbox = newMailbox(dovecot);
    const total = 200;
    const first = await startServiceOn(database);
    const second = await startServiceOn(database);
    try {
      const { id } = await createEmailIntegration(first, dovecot, mailbox);
      // The second instance picks the integration up at its next look (5 s); then both watch the mailbox.
      await new Promise((resolve) => setTimeout(resolve, 6000));
      await deliver(dovecot, mailbox, Array.from({ length: total }, (_, index) => plainMail(`Shared ${index}`, `body ${index}`)));
      await eventually(() => folderStatus(dovecot, mailbox), (status) => status.unseen === 0, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const alerts = await alertsOf(first, id);
      expect(alerts).toHaveLength(total);
      expect(new Set(alerts.map((alert) => alert.title)).size).toBe(total);
      // Each instance counts the alerts it stored (a message the other stored first is not counted): together, all.
      const accepted = async (service: TestService) => {
        const text = await (await fetch(`${service.url}/metrics`)).text();
        const line = text.split('\n').find((candidate) => candidate.startsWith(`oncall_alerts_received_total{integration="${id}",outcome="accepted"`));
        return line ? Number(line.split(' ').pop()) : 0;
      };
      expect((await accepted(first)) + (await accepted(second))).toBe(total);
    } finally {
      await first.stop();
      await second.stop();
      await dropDatabase(database);
    }
  }, 120_000);
});
