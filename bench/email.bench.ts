/**
 * Email intake benchmark: BENCH_MAILS messages (default 2,000) are put into a real Dovecot mailbox (IMAP APPEND, not
 * timed), then an email integration is created for it and timed until every message is an alert. The service runs on
 * the embedded SQLite store (BENCH_DB=mariadb: on MariaDB at TEST_MARIADB_URL), no Redis.
 *
 *   npm run bench:email
 *
 * Prints: the time from creating the integration to the last alert, mails per second, the service's CPU per mail,
 * heap growth, and whether there is exactly one alert per mail (and no mail left unseen). Needs Dovecot installed
 * (apt-get install dovecot-imapd). Exits 0 whatever the figures (non-zero only if the run itself broke).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { ImapFlow } from 'imapflow';
import type { DatabaseConfig } from '../src/config/config.js';
import { AlertEntity } from '../src/db/entities/alert.entity.js';
import { startDovecot } from '../test/support/dovecot.js';
import { f1, intEnv, mariadbRootUrl, startWatchdog } from './bench-support.js';
import { startBenchService } from './bench-service.js';

const MAILS = intEnv('BENCH_MAILS', 2000, 1, 100_000);
const MAX_SECONDS = intEnv('BENCH_MAX_SECONDS', 600, 10, 7200);

function mail(index: number): string {
  const body = `Host web-${index % 50} reports disk usage ${(80 + (index % 20)).toFixed(0)}% on /var.\r\n`.repeat(8);
  return `From: Monitor <monitor@example.com>\r\nTo: alerts@example.com\r\nSubject: [ALERT ${index}] disk usage high\r\nMessage-ID: <${randomUUID()}@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`;
}

async function database(dataDir: string): Promise<DatabaseConfig> {
  if (process.env.BENCH_DB !== 'mariadb') return { kind: 'sqlite', file: join(dataDir, 'oncall.sqlite') };
  const name = `oncall_bench_email_${Date.now()}`;
  const root = mariadbRootUrl();
  const connection = await createConnection({ uri: root });
  await connection.query(`CREATE DATABASE ${name}`);
  await connection.end();
  return { kind: 'mysql', url: `${root.replace(/\/$/, '')}/${name}` };
}

async function main(): Promise<void> {
  startWatchdog((MAX_SECONDS + 120) * 1000);
  const dovecot = await startDovecot();
  const mailbox = dovecot.takeUser();
  const imap = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: mailbox.user, pass: mailbox.password }, logger: false });
  await imap.connect();
  for (let index = 0; index < MAILS; index++) await imap.append('INBOX', mail(index));

  const service = await startBenchService('email', database);
  const api = service.api;
  try {
    const channel = await api('POST', '/channels', { name: 'bench' });
    const heapBefore = process.memoryUsage().heapUsed;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const integration = await api('POST', '/integrations', {
      type: 'email',
      name: 'bench mailbox',
      channelId: channel.id,
      imapHost: dovecot.host,
      imapPort: dovecot.port,
      imapTls: false,
      imapUser: mailbox.user,
      imapPassword: mailbox.password,
      pollSeconds: 60,
    });
    let alerts = 0;
    while (alerts < MAILS && performance.now() - started < MAX_SECONDS * 1000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      alerts = await service.db.manager.countBy(AlertEntity, { integrationId: integration.id });
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    // Let a late double show before counting.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const rows = await service.db.manager.find(AlertEntity, { where: { integrationId: integration.id }, select: { id: true, title: true } });
    const distinct = new Set(rows.map((row) => row.title)).size;
    const status = await imap.status('INBOX', { unseen: true });
    console.log(`bench:email on ${process.env.BENCH_DB === 'mariadb' ? 'mariadb' : 'sqlite'}: ${MAILS} mails in a Dovecot mailbox → alerts`);
    console.log(`  all alerts after      ${f1(seconds)} s (${f1(alerts / seconds)} mails/s)`);
    console.log(`  CPU per mail          ${f1((cpu.user + cpu.system) / 1000 / Math.max(alerts, 1))} ms (service process, parse + ingest + IMAP)`);
    console.log(`  heap growth           ${f1(heapGrowth / 1024 / 1024)} MB`);
    console.log(`  exactly one each      ${rows.length === MAILS && distinct === MAILS ? 'yes' : 'NO'} (${rows.length} alerts, ${distinct} distinct subjects, ${status ? status.unseen : '?'} mails unseen)`);
  } finally {
    await service.stop();
    await imap.logout().catch(() => undefined);
    await dovecot.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
