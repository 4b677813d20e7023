import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { DEFAULT_DETAILS_LINK_TTL_MS, type AppConfig, type DatabaseConfig, type DetailsLinkConfig } from '../../src/config/config.js';
import type { FeishuAppConfig } from '../../src/platforms/feishu/feishu.config.js';
import type { Database } from '../../src/db/database.js';
import { IncidentEntity, type Incident } from '../../src/db/entities/incident.entity.js';
import { createLogger } from '../../src/lib/logger.js';
import { startService, type RunningService } from '../../src/app/start-service.js';
import type { FakeFeishu, FakeMessage, FakeUser } from '../fakes/feishu-open-api.js';
import { REDIS_TEST_URL, type DatabaseKind } from './databases.js';
import { cardActionEvent } from '../fakes/feishu-callbacks.js';
import { cardButtons, postCallback, randomHex, textOf, type CallbackAnswer, type FeishuAppSecrets } from './feishu-app-helpers.js';
import { TEST_ADMIN_TOKEN, hookPath, testServiceConfig, type TestService } from './test-service.js';

/** Steps shared by the escalation tests: services on a given database, an on-call team on the fake Feishu, pages read back. */

export interface EscalationSetup {
  name: string;
  kind: DatabaseKind;
  redis: boolean;
}

export const SQLITE: EscalationSetup = { name: 'SQLite without Redis', kind: 'sqlite', redis: false };
export const MARIADB: EscalationSetup = { name: 'MariaDB without Redis', kind: 'mariadb', redis: false };
export const MARIADB_REDIS: EscalationSetup = { name: 'MariaDB with Redis', kind: 'mariadb', redis: true };

/** Fast scheduler polling; the sweep is left at a pace that does not hide a timer that fails to fire. */
export const FAST_TIMERS: Partial<AppConfig> = { schedulerPollMs: 200, escalationSweepSeconds: 60 };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ServiceClient {
  url: string;
  api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  post<T = any>(path: string, body: string | object, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
}

/** The admin API (bearer token) and raw POSTs of a service at `url`, in-process or in a child. */
export function serviceClient(url: string): ServiceClient {
  const request = async (method: string, path: string, body: string | undefined, headers: Record<string, string>) => {
    const response = await fetch(`${url}${path}`, { method, body, headers });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    url,
    api: (method, path, body) =>
      request(method, `/api/v1${path}`, body === undefined ? undefined : JSON.stringify(body), {
        authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
        'content-type': 'application/json',
      }),
    post: (path, body, headers = { 'content-type': 'application/json' }) =>
      request('POST', path, typeof body === 'string' ? body : JSON.stringify(body), headers),
  };
}

/** What startTestService would use, on the given database. */
export const serviceConfig = testServiceConfig;

/**
 * Instances of one deployment share DETAILS_LINK_KEY (the README asks for it): each test instance has its own data
 * dir, where an unset key would be generated per instance, and cards rendered by two instances would differ.
 */
function sharedDetailsLinks(database: DatabaseConfig): DetailsLinkConfig {
  const key = createHash('sha256').update(`test-details-link-key:${JSON.stringify(database)}`).digest('hex');
  return { key, ttlAfterCloseMs: DEFAULT_DETAILS_LINK_TTL_MS };
}

/** One instance of the deployment on `database`: its own data dir, the deployment's shared settings. */
const instanceConfig = (database: DatabaseConfig, overrides: Partial<AppConfig>): AppConfig =>
  serviceConfig(database, { detailsLinks: sharedDetailsLinks(database), ...overrides });

/**
 * The whole service on an existing database (migrated if needed, never recreated): a second instance beside a
 * running one, or the one started after another stopped or died. stop() leaves the database in place.
 */
export async function startServiceOn(database: DatabaseConfig, overrides: Partial<AppConfig> = {}): Promise<TestService> {
  const config = instanceConfig(database, overrides);
  const running: RunningService = await startService(config, createLogger(config.logLevel));
  const client = serviceClient(running.url);
  return { ...running, api: client.api, post: client.post };
}

/**
 * Everything a test file starts (services, child processes): afterAll stops it all — also what a timed-out
 * beforeAll or test left starting, which would otherwise keep Jest from exiting — and each only once.
 */
export class Started {
  private readonly starting: Array<Promise<{ stop(): Promise<void> }>> = [];

  track<T extends { stop(): Promise<void> }>(starting: Promise<T>): Promise<T> {
    const once = starting.then((thing) => {
      const stop = thing.stop.bind(thing);
      let stopping: Promise<void> | undefined;
      return Object.assign(thing, { stop: () => (stopping ??= stop()) });
    });
    this.starting.push(once);
    return once;
  }

  async stopAll(): Promise<void> {
    const results = await Promise.allSettled(this.starting.splice(0));
    for (const result of results) if (result.status === 'fulfilled') await result.value.stop().catch(() => undefined);
  }
}

export interface ChildService extends ServiceClient {
  process: ChildProcess;
  /** Everything the child wrote to stderr (its log at logLevel, and crashes). */
  stderr(): string;
  /** SIGKILL (kill -9): no shutdown code runs. Resolves once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM: graceful stop. */
  stop(): Promise<void>;
}

const CHILD_ENTRY = fileURLToPath(new URL('../escalation/escalation-child.mjs', import.meta.url));

/** The service in a child process (test/escalation/escalation-child.mjs) on the given database. */
export async function startChildService(database: DatabaseConfig, overrides: Partial<AppConfig> = {}, timeoutMs = 15_000): Promise<ChildService> {
  const config = instanceConfig(database, overrides);
  const env: NodeJS.ProcessEnv = { ...process.env, ESCALATION_CHILD_CONFIG: JSON.stringify(config) };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [CHILD_ENTRY], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child service did not start within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.stdout!.on('data', (chunk) => {
      stdout += String(chunk);
      const match = /READY (\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`child service exited (${code ?? signal}) before it was ready:\n${stderr}`));
    });
  });
  const client = serviceClient(url);
  return {
    ...client,
    process: child,
    stderr: () => stderr,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

// ---- a network that loses answers ------------------------------------------------------------------

export interface ProxiedRequest {
  method: string;
  path: string;
  body: any;
}

export interface LossyProxy {
  url: string;
  /** Requests whose answer was thrown away (after the target had handled them). */
  lost: ProxiedRequest[];
  /** Requests held without an answer (see `hang`), in order of arrival. */
  hung: Array<ProxiedRequest & { forwarded: boolean }>;
  close(): Promise<void>;
}

/**
 * How the proxy hangs a request: `before` never passes it on (it never reached Feishu), `after` passes it on and
 * never answers (Feishu sent the message; the answer is lost). A hung request stays open until its client goes away
 * (a killed service) or the proxy closes.
 */
export type Hang = 'before' | 'after';

/**
 * An HTTP proxy in front of `target` (the fake Feishu) that forwards every request, and for those `loseAnswer`
 * picks — the first time each — throws the target's answer away and answers 504 instead, as a gateway timing out
 * after the message was already sent. Those `hang` picks are never answered at all.
 */
export async function startLossyProxy(
  target: string,
  loseAnswer: (request: ProxiedRequest) => boolean,
  hang: (request: ProxiedRequest) => Hang | undefined = () => undefined,
): Promise<LossyProxy> {
  const lost: LossyProxy['lost'] = [];
  const hung: LossyProxy['hung'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const method = req.method ?? 'GET';
        const path = (req.url ?? '/').split('?')[0];
        let body: any;
        try {
          body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
        } catch {
          body = raw.toString('utf8');
        }
        const hanging = hang({ method, path, body });
        if (hanging === 'before') {
          hung.push({ method, path, body, forwarded: false });
          return;
        }
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name)) headers[name] = value;
        }
        const upstream = await fetch(`${target}${req.url}`, { method, headers, body: raw.length ? raw : undefined });
        const text = await upstream.text();
        if (hanging === 'after') {
          hung.push({ method, path, body, forwarded: true });
          return;
        }
        if (upstream.ok && loseAnswer({ method, path, body })) {
          lost.push({ method, path, body });
          res.writeHead(504, { 'content-type': 'text/plain' });
          res.end('upstream request timeout');
          return;
        }
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(text);
      })().catch((error: unknown) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    lost,
    hung,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- Redis ------------------------------------------------------------------------------------------

export interface RedisScheduler {
  redisUrl: string;
  /** The job store's key prefix: every deployment under test gets its own. */
  redisKeyPrefix: string;
}

/**
 * The test Redis, with a key prefix of its own for one deployment (the instances sharing one database). Services on
 * one Redis database with one prefix share a job store and run its jobs against their own database, so tests that
 * run at the same time (other files, other runs) must never share a prefix.
 */
export function testRedis(label: string): RedisScheduler {
  return { redisUrl: REDIS_TEST_URL, redisKeyPrefix: `oncall-test:${process.pid}:${randomHex(4)}:${label}:agenda:` };
}

/** Deletes the keys under the prefix from the test Redis; returns how many there were. */
export async function deleteRedisKeys(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_TEST_URL);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
  return deleted;
}

/** Keys under the prefix that hold a job. */
export async function redisJobCount(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_TEST_URL);
  try {
    return (await redis.keys(`${prefix}job:*`)).length;
  } finally {
    await redis.quit();
  }
}

// ---- Feishu app and team ----------------------------------------------------------------------------

export interface FeishuAppUnderTest {
  secrets: FeishuAppSecrets;
  config: FeishuAppConfig;
}

/** A fresh app on the fake (its own appId: the SDK's token cache is keyed by it). */
export function newFeishuApp(fake: FakeFeishu): FeishuAppUnderTest {
  const app = fake.state.newApp();
  const secrets = { ...app, verificationToken: `vt_${randomHex(12)}`, encryptKey: `ek_${randomHex(16)}` };
  return { secrets, config: { ...secrets, domain: fake.url, connection: 'webhook' } };
}

export interface Person {
  name: string;
  user: FakeUser;
  memberId: number;
}

export interface OnCallTeam {
  channelId: number;
  channelName: string;
  /** The Feishu-compatible hook path of the channel's integration. */
  hookPath: string;
  /** The group chat bound to the channel. */
  chatId: string;
  alice: Person;
  bob: Person;
  people: Person[];
}

async function ok<T = any>(answer: Promise<{ status: number; body: T }>, status: number, what: string): Promise<T> {
  const result = await answer;
  if (result.status !== status) throw new Error(`${what}: expected ${status}, got ${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

/**
 * A channel with a Feishu integration, a group chat bound to it (the bot and both people in it), and members
 * Alice and Bob, each linked to their Feishu account through the admin API.
 */
export async function createTeam(client: ServiceClient, fake: FakeFeishu, label: string): Promise<OnCallTeam> {
  const channelName = `${label}-${randomHex(4)}`;
  const channel = await ok(client.api('POST', '/channels', { name: channelName }), 201, 'channel');
  const integration = await ok(client.api('POST', '/integrations', { name: `${channelName}-hook`, channelId: channel.id }), 201, 'integration');
  const people: Person[] = [];
  for (const name of ['Alice', 'Bob']) {
    const user = fake.state.addUser({ name });
    const member = await ok(client.api('POST', '/members', { name }), 201, 'member');
    await ok(client.api('POST', '/im-identities', { platform: 'feishu', mappings: [{ externalId: user.open_id, memberId: member.id }] }), 200, 'im identity');
    people.push({ name, user, memberId: member.id });
  }
  const chat = fake.state.addChat({ name: `${channelName} room`, memberOpenIds: people.map((person) => person.user.open_id) });
  await ok(client.api('POST', '/chat-bindings', { platform: 'feishu', chatId: chat.chatId, channelId: channel.id, chatName: chat.name }), 201, 'binding');
  return { channelId: channel.id, channelName, hookPath: hookPath(integration.url), chatId: chat.chatId, alice: people[0], bob: people[1], people };
}

export interface LevelInput {
  people: Person[];
  waitMinutes: number;
  notifyGroupChats?: boolean;
  notifyDirect?: boolean;
}

export async function createRule(
  client: ServiceClient,
  team: OnCallTeam,
  levels: LevelInput[],
  extra: Record<string, unknown> = {},
): Promise<any> {
  return ok(
    client.api('POST', `/channels/${team.channelId}/escalation-rules`, {
      name: `${team.channelName} rule`,
      levels: levels.map(({ people, ...level }) => ({ memberIds: people.map((person) => person.memberId), ...level })),
      ...extra,
    }),
    201,
    'escalation rule',
  );
}

/** A Feishu text alert to the team's integration (a new incident each time: push mode "always new"); returns it. */
export async function trigger(client: ServiceClient, team: OnCallTeam, text = `Primary database is down ${randomHex(3)}`): Promise<any> {
  const answer = await client.post(team.hookPath, { msg_type: 'text', content: { text } });
  if (answer.status !== 200 || answer.body?.code !== 0) throw new Error(`alert refused: ${JSON.stringify(answer.body)}`);
  const incidents = await ok(client.api('GET', `/incidents?channelId=${team.channelId}&limit=200`), 200, 'incidents');
  const incident = incidents.items.find((item: any) => item.description === text);
  if (!incident) throw new Error(`no incident for "${text}"`);
  return incident;
}

export async function act(client: ServiceClient, incidentId: number, action: 'acknowledge' | 'close' | 'reopen', by?: Person): Promise<any> {
  return ok(client.api('POST', `/incidents/${incidentId}/${action}`, by ? { memberId: by.memberId } : {}), 200, action);
}

export async function incidentOf(client: ServiceClient, incidentId: number): Promise<{ incident: any; timeline: any[] }> {
  return ok(client.api('GET', `/incidents/${incidentId}`), 200, 'incident');
}

/** The incident's 'escalated' timeline entries, oldest first. */
export async function escalatedEntries(client: ServiceClient, incidentId: number): Promise<any[]> {
  return (await incidentOf(client, incidentId)).timeline.filter((entry) => entry.kind === 'escalated');
}

// ---- pages as the fake received them ------------------------------------------------------------------

export interface Page {
  /** A direct message to the person, or a group notice @mentioning them. */
  via: 'dm' | 'group';
  person: string;
  openId: string;
  chatId: string;
  level: number;
  incidentId: number;
  /** The incident status the page text reports. */
  status: string;
  /** When the fake received it (ms since epoch). */
  at: number;
  text: string;
}

const PAGE_TEXT = /Escalation level (\d+): incident #(\d+) ".*" is still (\w+)\./s;

/**
 * Every escalation page that reached the team: DMs to its people, and notices in its group chat (one entry per
 * person @mentioned). Oldest first. A notice in the team's chat that mentions nobody is listed with person "(nobody)".
 */
export function pagesTo(fake: FakeFeishu, team: OnCallTeam): Page[] {
  const pages: Page[] = [];
  const byOpenId = new Map(team.people.map((person) => [person.user.open_id, person]));
  for (const message of fake.state.messages.values()) {
    if (message.msgType !== 'text') continue;
    const text = textOf(message);
    const match = PAGE_TEXT.exec(text);
    if (!match) continue;
    const common = { chatId: message.chatId, level: Number(match[1]), incidentId: Number(match[2]), status: match[3], at: message.createTime, text };
    const chat = fake.state.chats.get(message.chatId);
    if (message.chatId === team.chatId) {
      const mentioned = [...text.matchAll(/<at user_id="([^"]+)">/g)].map((mention) => mention[1]);
      if (mentioned.length === 0) pages.push({ ...common, via: 'group', person: '(nobody)', openId: '' });
      for (const openId of mentioned) pages.push({ ...common, via: 'group', person: byOpenId.get(openId)?.name ?? `unknown ${openId}`, openId });
    } else if (chat?.chatType === 'p2p' && chat.memberOpenIds.length === 1 && byOpenId.has(chat.memberOpenIds[0])) {
      const person = byOpenId.get(chat.memberOpenIds[0])!;
      pages.push({ ...common, via: 'dm', person: person.name, openId: person.user.open_id });
    }
  }
  return pages.sort((a, b) => a.at - b.at);
}

export function pagesFor(fake: FakeFeishu, team: OnCallTeam, incidentId: number): Page[] {
  return pagesTo(fake, team).filter((page) => page.incidentId === incidentId);
}

/** "L1 Alice dm" … one line per page, sorted: who was paged, at which level, how, and how many times. */
export function pageSummary(pages: Page[]): string[] {
  return pages.map((page) => `L${page.level} ${page.person} ${page.via}`).sort();
}

/** Polls until `probe` gives something other than undefined; fails after `timeoutMs`, describing what it waited for. */
export async function waitUntil<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** Waits until `person` has been paged (by DM and, when `group`, in the group chat) at least `count` times for the incident. */
export async function waitForPage(
  fake: FakeFeishu,
  team: OnCallTeam,
  incidentId: number,
  person: Person,
  options: { count?: number; timeoutMs: number; group?: boolean },
): Promise<Page> {
  const count = options.count ?? 1;
  return waitUntil(
    `page #${count} of ${person.name} for incident #${incidentId}`,
    () => {
      const pages = pagesFor(fake, team, incidentId).filter((page) => page.person === person.name);
      const dms = pages.filter((page) => page.via === 'dm');
      const notices = pages.filter((page) => page.via === 'group');
      if (dms.length < count || ((options.group ?? true) && notices.length < count)) return undefined;
      return dms[count - 1];
    },
    options.timeoutMs,
  );
}

/** The incident row itself (policy snapshot, step, due time): what the admin API folds into `escalation`. */
export async function incidentRow(db: Database, incidentId: number): Promise<Incident> {
  return db.manager.findOneByOrFail(IncidentEntity, { id: incidentId });
}

/** The next level's due time, once the incident shows `level` as the last one paged (bounded wait). */
export async function dueAtAfterLevel(client: ServiceClient, incidentId: number, level: number, timeoutMs = 3000): Promise<Date> {
  return waitUntil(
    `incident #${incidentId} to show level ${level} paged and the next one due`,
    async () => {
      const { escalation } = (await incidentOf(client, incidentId)).incident;
      return escalation?.level === level && escalation.nextDueAt ? new Date(escalation.nextDueAt) : undefined;
    },
    timeoutMs,
  );
}

/**
 * The next level falls due one wait after the previous level ran. The run itself is not observable, but it came after
 * `ranAfter` (the alert, say) and before `ranBefore` (its page reaching the fake), so the due time must lie in that
 * bracket shifted by the wait. (Measuring from the page's arrival alone counts delivery lag, which a loaded CI
 * machine stretches past any fixed slack.)
 */
export function expectDueOneWaitAfterLevelRan(dueAt: Date, waitMs: number, ranAfter: number, ranBefore: number, slackMs = 100): void {
  expect(dueAt.getTime()).toBeGreaterThanOrEqual(ranAfter + waitMs - slackMs);
  expect(dueAt.getTime()).toBeLessThanOrEqual(ranBefore + waitMs + slackMs);
}

// ---- the Escalate button -------------------------------------------------------------------------------

/** The value of a card's Escalate button (it carries the step the card shows). */
export function escalateValue(card: unknown): Record<string, unknown> | undefined {
  return cardButtons(card).find((button) => button.text === 'Escalate')?.value as Record<string, unknown> | undefined;
}

/** `who` clicks Escalate on the team's card, as Feishu sends the click (encrypted, signed); `value` defaults to the card's. */
export function clickEscalate(
  service: ServiceClient,
  fake: FakeFeishu,
  app: FeishuAppUnderTest,
  team: OnCallTeam,
  who: Person,
  card: FakeMessage,
  value = escalateValue(card.content),
): Promise<CallbackAnswer> {
  if (!value) throw new Error(`card ${card.messageId} has no Escalate button`);
  return postCallback(
    service,
    app.secrets,
    cardActionEvent({
      operatorOpenId: who.user.open_id,
      value,
      openMessageId: card.messageId,
      openChatId: team.chatId,
      appId: app.secrets.appId,
      tenantKey: fake.state.tenantKey,
      token: app.secrets.verificationToken,
    }),
  );
}
