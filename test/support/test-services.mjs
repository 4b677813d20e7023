#!/usr/bin/env node
/**
 * Before `npm test`: the suite needs MariaDB (TEST_MARIADB_URL, default mysql://root@127.0.0.1:3306), Redis
 * (TEST_REDIS_URL, default redis://127.0.0.1:6379/15) and an installed Dovecot (the email tests start their own). One that does not answer is started the way .ci/run starts it
 * when it is installed on this machine; one that is missing stops the run at once with one line saying what is
 * missing and how to get it, instead of hundreds of failing tests. Where both already answer (CI: .ci/run started
 * them) this only pings them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { Redis } from 'ioredis';
import { ensureChromium } from './chromium.mjs';

const MARIADB_URL = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15';
const START_WAIT_MS = Number(process.env.TEST_SERVICES_WAIT_MS ?? 60_000);
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** An executable by name on PATH, or at one of the given paths. */
function findExecutable(name, extraPaths = []) {
  const candidates = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name)), ...extraPaths];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** undefined when MariaDB answers; else why not ('down' when nothing listens). */
async function mariadbProblem() {
  let connection;
  try {
    connection = await createConnection({ uri: MARIADB_URL, connectTimeout: 2000 });
    await connection.ping();
    return undefined;
  } catch (error) {
    return ['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'PROTOCOL_CONNECTION_LOST'].includes(error.code) ? 'down' : error.message;
  } finally {
    await connection?.end().catch(() => undefined);
  }
}

async function redisProblem() {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (error) {
    return /ECONNREFUSED|ETIMEDOUT|ECONNRESET|Connection is closed/.test(error.message) ? 'down' : error.message;
  } finally {
    redis.disconnect();
  }
}

const services = [
  {
    name: 'MariaDB',
    url: new URL(MARIADB_URL),
    variable: 'TEST_MARIADB_URL',
    problem: mariadbProblem,
    install: 'apt-get install mariadb-server (macOS: brew install mariadb)',
    start(port) {
      // As .ci/run does: mariadbd in the background on its default configuration, which listens on 3306 only.
      if (port !== '3306') return 'elsewhere';
      const mariadbd = findExecutable('mariadbd', ['/usr/sbin/mariadbd']);
      if (!mariadbd) return undefined;
      const daemon = findExecutable('start-stop-daemon', ['/usr/sbin/start-stop-daemon', '/sbin/start-stop-daemon']);
      if (daemon) spawnSync(daemon, ['--start', '--oknodo', '--background', '--exec', mariadbd], { stdio: 'ignore' });
      else spawn(mariadbd, [], { detached: true, stdio: 'ignore' }).unref();
      return mariadbd;
    },
  },
  {
    name: 'Redis',
    url: new URL(REDIS_URL),
    variable: 'TEST_REDIS_URL',
    problem: redisProblem,
    install: 'apt-get install redis-server (macOS: brew install redis)',
    start(port) {
      // As .ci/run does, on the URL's port, with its files under the temp directory.
      const server = findExecutable('redis-server');
      if (!server) return undefined;
      const dir = tmpdir();
      spawnSync(server, ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', port, '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', join(dir, `oncall-test-redis-${port}.log`)], { stdio: 'ignore' });
      return server;
    },
  },
];

const where = (service) => `${service.url.hostname}:${service.url.port || (service.name === 'Redis' ? 6379 : 3306)}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const failures = [];
const started = [];
for (const service of services) {
  const problem = await service.problem();
  if (!problem) continue;
  if (problem !== 'down') {
    failures.push(`${service.name} at ${where(service)} answers but refuses the tests (${problem}); set ${service.variable}`);
    continue;
  }
  if (!LOCAL_HOSTS.has(service.url.hostname)) {
    failures.push(`${service.name} at ${where(service)} does not answer; start it or point ${service.variable} at one that does`);
    continue;
  }
  const binary = service.start(String(service.url.port || (service.name === 'Redis' ? 6379 : 3306)));
  if (binary === 'elsewhere') {
    failures.push(`${service.name} does not answer on ${where(service)} (only one on its default port is started here); start it or set ${service.variable}`);
    continue;
  }
  if (!binary) {
    failures.push(`${service.name} is not running on ${where(service)} and not installed: ${service.install}, or set ${service.variable}`);
    continue;
  }
  process.stderr.write(`${service.name} was not running on ${where(service)}: started ${binary}\n`);
  started.push(service);
}

// The email tests start a Dovecot of their own per test file (test/support/dovecot.ts); it only has to be installed.
const dovecot = findExecutable('dovecot', [process.env.DOVECOT_BIN, '/usr/sbin/dovecot', '/usr/local/sbin/dovecot'].filter(Boolean));
if (!dovecot) failures.push('Dovecot (the IMAP server the email tests read alerts from) is not installed: apt-get install -y dovecot-imapd, or set DOVECOT_BIN');

if (failures.length === 0 && started.length > 0) {
  const deadline = Date.now() + START_WAIT_MS;
  for (const service of started) {
    let problem = await service.problem();
    while (problem && Date.now() < deadline) {
      await sleep(500);
      problem = await service.problem();
    }
    if (problem) failures.push(`${service.name} was started but does not answer on ${where(service)} after ${START_WAIT_MS / 1000} s (${problem === 'down' ? 'nothing listens' : problem})`);
  }
}

// The console's browser tests need Chromium.
const chromiumProblem = ensureChromium();
if (chromiumProblem) failures.push(chromiumProblem);

if (failures.length > 0) {
  process.stderr.write(`npm test cannot run: ${failures.join('; ')}\n`);
  process.exit(1);
}
