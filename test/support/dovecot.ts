import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, chmodSync, chownSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** Where Debian's dovecot-imapd puts the server; DOVECOT_BIN overrides. */
const DOVECOT_CANDIDATES = [process.env.DOVECOT_BIN, '/usr/sbin/dovecot', '/usr/local/sbin/dovecot'].filter(Boolean) as string[];

/** Mailbox users each server has. */
const USERS = 60;

export interface DovecotServer {
  host: string;
  port: number;
  /**
   * A mailbox user of its own (one of those written before the start: Dovecot notices users added later only after
   * its passwd-file check, which makes a login right after the write fail now and then).
   */
  takeUser(): { user: string; password: string };
  /** Stops the server; a later start() on the same instance comes back on the same port with the same mail. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function dovecotBinary(): string {
  for (const candidate of DOVECOT_CANDIDATES) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error('Dovecot is not installed: apt-get install -y dovecot-imapd (or set DOVECOT_BIN); the email tests need a real IMAP server');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, up: boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open === up) return;
    if (Date.now() > deadline) throw new Error(`Dovecot did not ${up ? 'start listening' : 'stop'} on port ${port} within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A Dovecot of its own for one test file: config, passwd-file users, Maildirs and logs in a temp directory, IMAP on a
 * free port of 127.0.0.1, plaintext login allowed (no TLS on localhost). Run as root, it keeps mail as `nobody`.
 */
export async function startDovecot(): Promise<DovecotServer> {
  const binary = dovecotBinary();
  const dir = mkdtempSync(join(tmpdir(), 'oncall-dovecot-'));
  const port = await freePort();
  const root = process.getuid?.() === 0;
  const me = userInfo();
  const mailUid = root ? 65534 : me.uid;
  const mailGid = root ? 65534 : me.gid;
  for (const sub of ['run', 'state', 'mail']) mkdirSync(join(dir, sub));
  // Dovecot's auth process (its own user) reads the passwd-file; the mail processes (`nobody`) write the Maildirs.
  if (root) {
    chmodSync(dir, 0o755);
    chownSync(join(dir, 'mail'), mailUid, mailGid);
  }
  const passwd = join(dir, 'passwd');
  const users = Array.from({ length: USERS }, (_, index) => ({ user: `alerts${index + 1}`, password: `pw-${randomUUID()}` }));
  writeFileSync(passwd, users.map(({ user, password }) => `${user}:{PLAIN}${password}::::::\n`).join(''));
  const config = join(dir, 'dovecot.conf');
  writeFileSync(
    config,
    [
      `base_dir = ${dir}/run`,
      `state_dir = ${dir}/state`,
      `log_path = ${dir}/dovecot.log`,
      `info_log_path = ${dir}/dovecot.log`,
      'protocols = imap',
      'listen = 127.0.0.1',
      'ssl = no',
      'disable_plaintext_auth = no',
      'auth_mechanisms = plain login',
      `first_valid_uid = ${Math.min(mailUid, 100)}`,
      'last_valid_uid = 0',
      // Not root: every Dovecot process runs as the current user (it cannot switch users anyway).
      root ? '' : `default_internal_user = ${me.username}\ndefault_login_user = ${me.username}\ndefault_internal_group = ${groupName()}`,
      `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ${passwd}\n}`,
      `userdb {\n  driver = static\n  args = uid=${mailUid} gid=${mailGid} home=${dir}/mail/%u\n}`,
      'mail_location = maildir:~/Maildir',
      'namespace inbox {\n  inbox = yes\n  separator = /\n}',
      `service imap-login {\n  inet_listener imap {\n    address = 127.0.0.1\n    port = ${port}\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}`,
      'service anvil {\n  chroot =\n}',
      'service imap-login {\n  chroot =\n}',
      'protocol imap {\n  mail_max_userip_connections = 50\n}',
    ].join('\n'),
  );
  const start = async () => {
    // The daemon keeps running after this returns: its output goes to the log file, not to pipes we would wait on.
    const result = spawnSync(binary, ['-c', config], { stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`Dovecot did not start (exit ${result.status}): ${safeRead(join(dir, 'dovecot.log')).slice(-2000)}`);
    await waitForPort(port, true);
  };
  const stop = async () => {
    spawnSync(binary, ['-c', config, 'stop'], { stdio: 'ignore' });
    await waitForPort(port, false);
  };
  await start();
  return {
    host: '127.0.0.1',
    port,
    takeUser() {
      const next = users.shift();
      if (!next) throw new Error(`all ${USERS} test mailboxes are taken; raise USERS in test/support/dovecot.ts`);
      return next;
    },
    start,
    stop,
    async close() {
      await stop().catch(() => undefined);
      // KEEP_DOVECOT=1 keeps the directory (config, log, Maildirs) for a look after a failing run.
      if (!process.env.KEEP_DOVECOT) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function groupName(): string {
  return spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim();
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
