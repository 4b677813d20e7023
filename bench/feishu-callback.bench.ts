/**
 * Feishu card-click benchmark: card.action.trigger callbacks, encrypted and signed exactly as Feishu sends them,
 * POSTed at the real service's callback URL (/feishu/events) by concurrent clickers, on MariaDB, with the app's
 * Open API calls (card posts and PATCHes) going to the local fake Feishu.
 *
 *   npm run bench:feishu-callback
 *
 * Setup: a channel, an integration and a bound group chat per chat room (BENCH_CHATS of them; the incidents are spread
 * over them round-robin), one on-call member per clicker linked to a Feishu user through POST /api/v1/im-identities,
 * BENCH_INCIDENTS incidents (+ a few for the warm-up) triggered through the Feishu-compatible alert endpoint, and
 * their cards posted to the fake before the first click.
 *
 * Clicks: the first half of the incidents gets Acknowledge clicks, the other half Close clicks, interleaved and
 * round-robin, so with 1000 clicks on 500 incidents every incident is clicked twice by two different people: the
 * first click changes it (toast "success"), the second finds it done already (toast "info"). Every request body is
 * built, encrypted and signed before the clock starts; each carries its own event_id.
 *
 * Environment (all optional):
 *   BENCH_CLICKERS      concurrent clickers, one member each (default 50)
 *   BENCH_CLICKS        clicks in the measured pass (default 1000)
 *   BENCH_INCIDENTS     incidents the measured clicks land on (default 500)
 *   BENCH_WARMUP        warm-up clicks before the measured pass, on incidents of their own (default 100; 0 = none)
 *   BENCH_CHATS         chat rooms (channel + integration + bound chat each) the incidents are spread over (default 25).
 *                       The app paces card posts and PATCHes at 4 per second per chat (Feishu allows 5): 500 cards
 *                       in one chat take over two minutes to post. BENCH_CHATS=1 runs the single-chat case anyway.
 *   BENCH_MAX_SECONDS   time bound of each click pass (default 60)
 *   BENCH_MARIADB_URL   server to use (default mysql://root@127.0.0.1:3306; must be on 127.0.0.1/localhost)
 *   BENCH_LOG_LEVEL     the service's log level (default silent; e.g. error shows why a request failed, as JSON lines on stdout)
 *   BENCH_PROFILE=1     also time the click's stages from outside (dedupe, member lookup, the incident transaction, the
 *                       card view, the background card sync) and the waits for a database connection
 *   BENCH_CPU_PROFILE=f also take a CPU profile of the server's thread over the measured pass, write it to file f
 *                       (open it in Chrome DevTools) and print where the time went, by package and by function
 *
 * The clickers run in a worker thread so that their own work does not sit on the server's event loop.
 * It prints figures and exits 0 whether the target is met or not (non-zero only if the run itself broke).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import http from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { FeishuApp } from '../src/platforms/feishu/feishu.app.js';
import { BENCH_ADMIN_TOKEN, StageTimer, benchServiceConfig, f0, f1, freshDatabases, intEnv, latencyFigures, mariadbRootUrl, perRequest, postOnce, runInWorker, serverLoad, sqlStatus, startWatchdog, within, strictAdminApi } from './bench-support.js';

// ---------------------------------------------------------------------------------------------------------------
// Clickers (run inside a worker thread)
// ---------------------------------------------------------------------------------------------------------------


interface PreparedClick {
  body: string;
  headers: Record<string, string | number>;
}

interface ClickSpec {
  port: number;
  path: string;
  /** Closed loop: `concurrency` clickers, each sending the next prepared click when its previous answer arrived. */
  concurrency: number;
  clicks: PreparedClick[];
  maxMs: number;
}

interface ClickResult {
  sent: number;
  /** HTTP 200 with a success or info toast. */
  ok: number;
  failed: number;
  failures: string[];
  elapsedMs: number;
  /** Every answered click's latency, in click order (NaN when it got no answer). */
  latenciesMs: number[];
  /** The toast kind of each answered click, parallel to latenciesMs ('' when none). */
  kinds: string[];
  toastCounts: Record<string, number>;
  /** Answers that carried the refreshed card. */
  withCard: number;
  /** CPU the clickers' own thread used over the pass (ms), where /proc/thread-self shows it. */
  workerCpuMs?: number;
}

async function runClicks(spec: ClickSpec): Promise<ClickResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency, maxFreeSockets: spec.concurrency });
  const latenciesMs: number[] = new Array(spec.clicks.length).fill(NaN);
  const kinds: string[] = new Array(spec.clicks.length).fill('');
  const failures: string[] = [];
  const toastCounts: Record<string, number> = {};
  let ok = 0;
  let failed = 0;
  let sent = 0;
  let withCard = 0;
  const fail = (why: string) => {
    failed++;
    if (failures.length < 5) failures.push(why);
  };

  const one = async (index: number): Promise<void> => {
    const click = spec.clicks[index];
    const startedAt = performance.now();
    try {
      const answer = await postOnce(agent, spec.port, spec.path, click.headers, click.body);
      latenciesMs[index] = performance.now() - startedAt;
      let parsed: any;
      try {
        parsed = JSON.parse(answer.text);
      } catch {
        parsed = undefined;
      }
      const kind: unknown = parsed?.toast?.type;
      if (typeof kind === 'string') {
        kinds[index] = kind;
        toastCounts[kind] = (toastCounts[kind] ?? 0) + 1;
      }
      if (parsed?.card?.type === 'raw') withCard++;
      if (answer.status === 200 && (kind === 'success' || kind === 'info') && typeof parsed?.toast?.content === 'string') ok++;
      else fail(`HTTP ${answer.status}: ${answer.text.slice(0, 200)}`);
    } catch (error) {
      fail(String((error as Error).message ?? error));
    }
  };

  const cpuAtStart = statCpuMs('/proc/thread-self/stat');
  const started = performance.now();
  const deadline = started + spec.maxMs;
  const clicker = async () => {
    while (sent < spec.clicks.length && performance.now() < deadline) await one(sent++);
  };
  await Promise.all(Array.from({ length: spec.concurrency }, clicker));
  const elapsedMs = performance.now() - started;
  agent.destroy();
  const cpuAtEnd = statCpuMs('/proc/thread-self/stat');
  const workerCpuMs = cpuAtStart !== undefined && cpuAtEnd !== undefined ? cpuAtEnd - cpuAtStart : undefined;
  return { sent, ok, failed, failures, elapsedMs, latenciesMs, kinds, toastCounts, withCard, workerCpuMs };
}

if (!isMainThread) {
  runClicks(workerData as ClickSpec).then(
    (result) => parentPort!.postMessage({ result }),
    (error: unknown) => parentPort!.postMessage({ error: String((error as Error)?.stack ?? error) }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Orchestration (main thread)
// ---------------------------------------------------------------------------------------------------------------

/** Per process: two runs at once (other sessions on a shared host) must not drop each other's database. */
const SERVICE_DB = `oncall_bench_feishu_${process.pid}`;
const CALLBACK_PATH = '/feishu/events';
const TARGET_CONCURRENCY = 50;
const TARGET_P99_MS = 300;
/** FeishuApi paces card sends and PATCHes at this many per second and chat. */
const PACED_PER_CHAT_PER_SECOND = 4;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

interface Card {
  incidentId: number;
  chatId: string;
  messageId: string;
}

interface PlannedClick {
  card: Card;
  action: 'acknowledge' | 'close';
  operator: number;
}

/**
 * The first half of `cards` gets Acknowledge, the second half Close; clicks alternate between the halves and go
 * round-robin over each, so an incident is clicked again only after every other incident of its half was. Clicks
 * rotate over the clickers so that a repeat click on an incident comes from somebody else.
 */
function planClicks(cards: Card[], count: number, clickers: number) {
  const ackTargets = cards.slice(0, Math.ceil(cards.length / 2));
  const closeTargets = cards.slice(ackTargets.length);
  const clicks: PlannedClick[] = [];
  for (let i = 0; i < count; i++) {
    const half = closeTargets.length === 0 || i % 2 === 0 ? 'ack' : 'close';
    const round = closeTargets.length === 0 ? i : i >> 1;
    const card = half === 'ack' ? ackTargets[round % ackTargets.length] : closeTargets[round % closeTargets.length];
    clicks.push({ card, action: half === 'ack' ? 'acknowledge' : 'close', operator: (i + Math.floor(i / clickers)) % clickers });
  }
  const acked = new Set(clicks.filter((c) => c.action === 'acknowledge').map((c) => c.card.incidentId));
  const closed = new Set(clicks.filter((c) => c.action === 'close').map((c) => c.card.incidentId));
  return { clicks, acked, closed, untouched: cards.map((c) => c.incidentId).filter((id) => !acked.has(id) && !closed.has(id)) };
}

async function main(): Promise<number> {
  const clickers = intEnv('BENCH_CLICKERS', TARGET_CONCURRENCY, 1, 1024);
  const clickCount = intEnv('BENCH_CLICKS', 1000, 1, 1_000_000);
  const incidentCount = intEnv('BENCH_INCIDENTS', 500, 2, 100_000);
  const warmupClicks = intEnv('BENCH_WARMUP', 100, 0, 100_000);
  const chatCount = Math.min(incidentCount, intEnv('BENCH_CHATS', 25, 1, 1000));
  const maxMs = intEnv('BENCH_MAX_SECONDS', 60, 1, 3600) * 1000;
  const profile = process.env.BENCH_PROFILE === '1';
  const logLevel = (['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const).find((level) => level === process.env.BENCH_LOG_LEVEL) ?? 'silent';
  const rootUrl = mariadbRootUrl();
  const warmupIncidents = warmupClicks > 0 ? Math.max(2, Math.min(clickers, Math.ceil(warmupClicks / 2))) : 0;
  const totalIncidents = incidentCount + warmupIncidents;
  // Card posts and PATCHes are paced per chat: allow for them (a post per incident, at most a PATCH per click).
  const cardDrainMs = Math.ceil(((totalIncidents + clickCount + warmupClicks) / chatCount / PACED_PER_CHAT_PER_SECOND) * 1000) + 30_000;
  startWatchdog(3 * maxMs + 2 * cardDrainMs + 180_000);

  const { createConnection } = await import('mysql2/promise');
  const { startService } = await import('../src/app/start-service.js');
  const { createLogger } = await import('../src/lib/logger.js');
  const { DatabaseDeduper } = await import('../src/db/database-deduper.js');
  const { startFakeFeishu } = await import('../test/fakes/feishu-open-api.js');
  const { buildCallbackRequest, cardActionEvent } = await import('../test/fakes/feishu-callbacks.js');

  const admin = await createConnection(rootUrl);
  const dataDir = mkdtempSync(join(tmpdir(), 'oncall-bench-feishu-'));
  const cleanups: Array<() => Promise<unknown>> = [];
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const q = async <T = any>(sql: string, params: unknown[] = []): Promise<T[]> => (await admin.query(sql, params))[0] as T[];

  try {
    cleanups.push(await freshDatabases(admin, [SERVICE_DB]));

    // ---- the fake Feishu Open API and the real service, pointed at it ------------------------------------------
    const fake = await startFakeFeishu({ apps: {} });
    cleanups.unshift(() => fake.close());
    fake.state.enforceRateLimits = false;
    const app = fake.state.newApp();
    const secrets = { ...app, verificationToken: `vt_${hex(12)}`, encryptKey: `ek_${hex(16)}` };

    const stages = profile ? new StageTimer() : undefined;
    // The deduper is not reachable from the running service; time it on its class (before it is created).
    if (stages) stages.wrap(DatabaseDeduper.prototype, 'firstSeen', 'dedupe insert');

    const running = await startService(
      benchServiceConfig(dataDir, { kind: 'mysql', url: `${rootUrl}/${SERVICE_DB}` }, { logLevel, feishu: { ...secrets, domain: fake.url, connection: 'webhook' } }),
      createLogger(logLevel),
    );
    cleanups.unshift(() => running.stop());
    const servicePort = Number(new URL(running.url).port);

    const api = strictAdminApi(running.url, BENCH_ADMIN_TOKEN);

    // ---- clickers: a Feishu user and an on-call member each, linked by the admin mapping API --------------------
    const users = Array.from({ length: clickers }, (_, i) => fake.state.addUser({ name: `Clicker ${i + 1}`, email: `clicker${i + 1}@bench.example` }));
    const mappings = [];
    for (const user of users) {
      const member = await api('POST', '/members', { name: user.name, email: user.email });
      mappings.push({ externalId: user.open_id, memberId: member.id });
    }
    await api('POST', '/im-identities', { platform: 'feishu', mappings }, 200);

    // ---- chat rooms: channel + integration + a group chat with everybody in it, bound to the channel ------------
    const rooms: Array<{ hookPath: string; chatId: string }> = [];
    for (let r = 0; r < chatCount; r++) {
      const channel = await api('POST', '/channels', { name: `bench-${r + 1}` });
      const integration = await api('POST', '/integrations', { name: `bench feishu ${r + 1}`, kind: 'dedicated', channelId: channel.id, pushMode: 'always_new' });
      const chat = fake.state.addChat({ name: `bench room ${r + 1}`, memberOpenIds: users.map((u) => u.open_id) });
      await api('POST', '/chat-bindings', { platform: 'feishu', chatId: chat.chatId, channelId: channel.id, chatName: chat.name });
      rooms.push({ hookPath: new URL(integration.url as string).pathname, chatId: chat.chatId });
    }

    log(
      `feishu callback bench: ${clickers} concurrent clickers, ${clickCount} clicks on ${incidentCount} incidents ` +
        `(${warmupClicks} warm-up clicks on ${warmupIncidents} more), ${chatCount} chat room(s), MariaDB ${rootUrl}`,
    );

    // ---- incidents, through the Feishu-compatible alert endpoint; then wait for every card to be posted ----------
    const setupStarted = performance.now();
    let nextAlert = 0;
    const alertFailures: string[] = [];
    const sender = async () => {
      while (nextAlert < totalIncidents && alertFailures.length === 0) {
        const index = nextAlert++;
        const room = rooms[index % rooms.length];
        const response = await fetch(`${running.url}${room.hookPath}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ msg_type: 'text', content: { text: `[bench] host-${index} is on fire (alert ${index})` } }),
        });
        const answer = (await response.json()) as { code?: number };
        if (response.status !== 200 || answer.code !== 0) alertFailures.push(`HTTP ${response.status} ${JSON.stringify(answer)}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, sender));
    if (alertFailures.length) throw new Error(`triggering incidents failed: ${alertFailures[0]}`);
    const postedCount = async () =>
      Number((await q<{ n: number }>(`SELECT COUNT(*) AS n FROM \`${SERVICE_DB}\`.chat_messages WHERE message_id IS NOT NULL`))[0].n);
    const postDeadline = performance.now() + cardDrainMs;
    while ((await postedCount()) < totalIncidents && performance.now() < postDeadline) await new Promise((r) => setTimeout(r, 100));
    const posted = await postedCount();
    if (posted < totalIncidents) throw new Error(`only ${posted} of ${totalIncidents} cards were posted within ${f0(cardDrainMs / 1000)} s`);
    await within(running.services.cards.idle(), 10_000);
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    const cards = (
      await q<{ incident_id: number; chat_id: string; message_id: string }>(
        `SELECT incident_id, chat_id, message_id FROM \`${SERVICE_DB}\`.chat_messages ORDER BY incident_id`,
      )
    ).map((row): Card => ({ incidentId: Number(row.incident_id), chatId: row.chat_id, messageId: row.message_id }));
    const warmCards = cards.slice(0, warmupIncidents);
    const measuredCards = cards.slice(warmupIncidents);

    /** Builds, encrypts and signs every click of a pass (before any timing). */
    const prepare = (planned: PlannedClick[], label: string): PreparedClick[] =>
      planned.map((click, i) => {
        const event = cardActionEvent({
          operatorOpenId: users[click.operator].open_id,
          operatorUnionId: users[click.operator].union_id,
          operatorUserId: users[click.operator].user_id,
          value: { action: click.action, incidentId: click.card.incidentId },
          openMessageId: click.card.messageId,
          openChatId: click.card.chatId,
          appId: secrets.appId,
          tenantKey: fake.state.tenantKey,
          token: secrets.verificationToken,
          eventId: `bench-${label}-${i}-${hex(8)}`,
        });
        const request = buildCallbackRequest(event, { encryptKey: secrets.encryptKey });
        return { body: request.body, headers: { ...request.headers, 'Content-Length': Buffer.byteLength(request.body) } };
      });

    // ---- warm-up ----------------------------------------------------------------------------------------------
    if (warmupClicks > 0) {
      const warmPlan = planClicks(warmCards, warmupClicks, clickers);
      const warm = await runInWorker<ClickSpec, ClickResult>(new URL(import.meta.url), {
        port: servicePort,
        path: CALLBACK_PATH,
        concurrency: clickers,
        clicks: prepare(warmPlan.clicks, 'warm'),
        maxMs,
      });
      if (warm.failed > 0) log(`  ! warm-up: ${warm.failed} failed, e.g. ${warm.failures[0]}`);
      await within(running.services.cards.idle(), cardDrainMs);
    }

    // ---- profiling hooks (after the warm-up, so they only see the measured pass) -------------------------------
    let poolSampler: NodeJS.Timeout | undefined;
    const poolQueue: number[] = [];
    const poolBusy: number[] = [];
    let poolLimit: number | string = '?';
    if (stages) {
      const { services, db } = running;
      const feishu = running.platforms.find((platform) => platform.name === 'feishu') as FeishuApp | undefined;
      stages.reset();
      stages.wrap(feishu!.dispatcher!, 'invoke', 'dispatcher.invoke (whole click after decrypt)');
      stages.wrap(services.interactions, 'handleAction', 'handleAction');
      stages.wrap(services.identities, 'resolveMember', 'resolveMember');
      stages.wrap(services.incidents, 'act', 'incidents.act');
      stages.wrap(db, 'transaction', 'db.transaction (act, escalation, …)');
      stages.wrap(services.views, 'build', 'views.build (click + card sync)');
      stages.wrap(services.cards, 'syncOnce', 'card syncOnce (background)');
      stages.wrap(feishu!.platform, 'updateIncidentCard', 'card PATCH incl. pacing (background)');
      const pool = (db.dataSource.driver as any).pool;
      if (pool && typeof pool.getConnection === 'function') {
        poolLimit = pool.config?.connectionLimit ?? '?';
        const original = pool.getConnection.bind(pool);
        pool.getConnection = (cb: (...args: unknown[]) => void) => {
          const asked = performance.now();
          original((...args: unknown[]) => {
            stages.add('pool getConnection wait', performance.now() - asked);
            cb(...args);
          });
        };
        poolSampler = setInterval(() => {
          poolQueue.push(pool._connectionQueue?.length ?? 0);
          poolBusy.push((pool._allConnections?.length ?? 0) - (pool._freeConnections?.length ?? 0));
        }, 5);
      }
    }

    // ---- measured pass ----------------------------------------------------------------------------------------
    const plan = planClicks(measuredCards, clickCount, clickers);
    const prepared = prepare(plan.clicks, 'run');
    const hostLoad = loadavg()[0];
    // Server-wide counters and the host's CPUs are shared: say when somebody else is using them too.
    const otherSessions = async () => {
      const [row] = await q<{ connected: number; active: number | null }>(
        `SELECT COUNT(*) AS connected, SUM(COMMAND NOT IN ('Sleep', 'Daemon')) AS active FROM information_schema.PROCESSLIST
          WHERE ID <> CONNECTION_ID() AND USER <> 'system user' AND (DB IS NULL OR DB <> ?)`,
        [SERVICE_DB],
      );
      return `${Number(row.connected)} connected / ${Number(row.active ?? 0)} running a statement`;
    };
    const othersBefore = await otherSessions();
    const patchesBefore = fake.state.requestsTo('/open-apis/im/v1/messages/', 'PATCH').length;
    const before = await sqlStatus(admin);
    const cpuProfileFile = process.env.BENCH_CPU_PROFILE?.trim() || undefined;
    const inspector = cpuProfileFile ? new Session() : undefined;
    if (inspector) {
      inspector.connect();
      await inspector.post('Profiler.enable');
      await inspector.post('Profiler.setSamplingInterval', { interval: 500 });
      await inspector.post('Profiler.start');
    }
    const dbPid = profile ? localDatabasePid() : undefined;
    const dbCpuBefore = dbPid ? statCpuMs(`/proc/${dbPid}/stat`) : undefined;
    const threadsBefore = profile ? threadCpuMs() : undefined;
    const elu = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const result = await runInWorker<ClickSpec, ClickResult>(new URL(import.meta.url), {
      port: servicePort,
      path: CALLBACK_PATH,
      concurrency: clickers,
      clicks: prepared,
      maxMs,
    });
    const load = serverLoad(elu, cpu, result.sent);
    const dbCpuAfter = dbPid ? statCpuMs(`/proc/${dbPid}/stat`) : undefined;
    const threadsAfter = profile ? threadCpuMs() : undefined;
    let cpuReport: string[] = [];
    if (inspector && cpuProfileFile) {
      const { profile: cpuProfile } = await inspector.post('Profiler.stop');
      inspector.disconnect();
      writeFileSync(cpuProfileFile, JSON.stringify(cpuProfile));
      cpuReport = summariseCpuProfile(cpuProfile, result.sent);
    }
    const after = await sqlStatus(admin);
    const othersAfter = await otherSessions();
    if (poolSampler) clearInterval(poolSampler);
    const stageReport = stages?.report(true);

    // ---- what the database says ---------------------------------------------------------------------------------
    const ids = measuredCards.map((card) => card.incidentId);
    const statusRows = await q<{ id: number; status: string; acknowledged_by: number | null; closed_by: number | null }>(
      `SELECT id, status, acknowledged_by, closed_by FROM \`${SERVICE_DB}\`.incidents WHERE id IN (?)`,
      [ids],
    );
    const statusOf = new Map(statusRows.map((row) => [Number(row.id), row]));
    const timelineRows = await q<{ incident_id: number; kind: string; n: number }>(
      `SELECT incident_id, kind, COUNT(*) AS n FROM \`${SERVICE_DB}\`.incident_events
        WHERE incident_id IN (?) AND kind IN ('acknowledged', 'closed') GROUP BY incident_id, kind`,
      [ids],
    );
    const timeline = new Map(timelineRows.map((row) => [`${row.incident_id}:${row.kind}`, Number(row.n)]));
    const countIf = (set: Iterable<number>, test: (id: number) => boolean) => [...set].filter(test).length;
    const ackedInDb = countIf(plan.acked, (id) => statusOf.get(id)?.status === 'acknowledged' && statusOf.get(id)?.acknowledged_by !== null);
    const closedInDb = countIf(plan.closed, (id) => statusOf.get(id)?.status === 'closed' && statusOf.get(id)?.closed_by !== null);
    const untouchedInDb = countIf(plan.untouched, (id) => statusOf.get(id)?.status === 'triggered');
    const ackEntries = countIf(plan.acked, (id) => timeline.get(`${id}:acknowledged`) === 1);
    const closeEntries = countIf(plan.closed, (id) => timeline.get(`${id}:closed`) === 1);
    const strayEntries = timelineRows.filter(
      (row) => !(row.kind === 'acknowledged' ? plan.acked : plan.closed).has(Number(row.incident_id)) || Number(row.n) !== 1,
    ).length;

    // A click is only measured if it was sent; with a full run every planned incident was clicked.
    const complete = result.sent === plan.clicks.length;
    const expectedSuccess = plan.acked.size + plan.closed.size;

    // ---- the cards catch up in the background (paced per chat); bounded wait before shutting down ---------------
    const drained = (await within(running.services.cards.idle().then(() => true), cardDrainMs)) ?? false;
    const patches = fake.state.requestsTo('/open-apis/im/v1/messages/', 'PATCH').length - patchesBefore;

    // ---- report -------------------------------------------------------------------------------------------------
    const answered = result.latenciesMs.filter((ms) => Number.isFinite(ms));
    const latency = latencyFigures(answered);
    const byKind = (kind: string) => latencyFigures(result.latenciesMs.filter((ms, i) => Number.isFinite(ms) && result.kinds[i] === kind));
    const success = byKind('success');
    const info = byKind('info');
    const rate = answered.length / (result.elapsedMs / 1000);
    const row = (label: string, value: string) => log(`  ${label.padEnd(44)} ${value.padStart(12)}`);
    const yes = (ok: boolean) => (ok ? 'yes' : 'NO');
    const toastLine = Object.entries(result.toastCounts)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ');

    log('');
    log('=== feishu card-click benchmark ================================================');
    row('clicks answered', `${answered.length}/${plan.clicks.length}`);
    row('clicks/s', f0(rate));
    row('answer latency p50 (ms)', f1(latency.p50));
    row('answer latency p99 (ms)', f1(latency.p99));
    row('answer latency max (ms)', f1(latency.max));
    row('answer latency mean (ms)', f1(latency.mean));
    row('  first click (success) p50 / p99 (ms)', `${f1(success.p50)} / ${f1(success.p99)}`);
    row('  repeat click (info)   p50 / p99 (ms)', `${f1(info.p50)} / ${f1(info.p99)}`);
    row('pass duration (s)', f1(result.elapsedMs / 1000));
    log('--------------------------------------------------------------------------------');
    const latencyPass = complete && result.failed === 0 && clickers >= TARGET_CONCURRENCY && latency.p99 <= TARGET_P99_MS;
    log(
      `  ${latencyPass ? 'PASS' : 'FAIL'}  p99 <= ${TARGET_P99_MS} ms under ${TARGET_CONCURRENCY} concurrent clicks ` +
        `(${f1(latency.p99)} ms with ${clickers} clickers${complete ? '' : `, only ${result.sent} of ${plan.clicks.length} clicks sent in time`})`,
    );
    log('--------------------------------------------------------------------------------');
    log(`  answers: ${result.ok} ok / ${result.failed} failed (HTTP 200 with a success or info toast on every answer: ${yes(result.failed === 0 && complete)})`);
    for (const failure of result.failures) log(`      e.g. ${failure}`);
    log(`  toasts: ${toastLine || 'none'}; expected success ${expectedSuccess}, info ${plan.clicks.length - expectedSuccess} (${yes(complete && result.toastCounts.success === expectedSuccess && (result.toastCounts.info ?? 0) === plan.clicks.length - expectedSuccess)}); refreshed card in ${result.withCard} answers`);
    log(`  database: acknowledged ${ackedInDb}/${plan.acked.size} (${yes(ackedInDb === plan.acked.size)}), closed ${closedInDb}/${plan.closed.size} (${yes(closedInDb === plan.closed.size)}), untouched still triggered ${untouchedInDb}/${plan.untouched.length} (${yes(untouchedInDb === plan.untouched.length)})`);
    log(`  timeline: one 'acknowledged' entry per acknowledged incident ${yes(ackEntries === plan.acked.size)}, one 'closed' per closed ${yes(closeEntries === plan.closed.size)}, no other (${strayEntries} stray)`);
    log(`  setup: ${totalIncidents} incidents triggered and their cards posted in ${f1(setupSeconds)} s`);
    log(`  card PATCHes to the fake after the pass: ${patches}${drained ? '' : ` (card syncs still running after ${f0(cardDrainMs / 1000)} s)`}`);
    log(`  server-wide SQL per click: ${perRequest(before, after, Math.max(1, result.sent))}`);
    log(`  server process: ${load}`);
    log(`  host: ${availableParallelism()} CPUs, 1-minute load average ${hostLoad.toFixed(2)} before the pass (MariaDB, the service, the fake and the clickers share them)`);
    log(`  other MariaDB clients (server-wide SQL counts include theirs): ${othersBefore} before the pass, ${othersAfter} after`);
    if (threadsBefore?.main !== undefined && threadsAfter?.main !== undefined && threadsBefore.all !== undefined && threadsAfter.all !== undefined) {
      const perClick = (ms: number) => (ms / Math.max(1, result.sent)).toFixed(2);
      const main = threadsAfter.main - threadsBefore.main;
      const all = threadsAfter.all - threadsBefore.all;
      const worker = result.workerCpuMs ?? NaN;
      log(
        `  this process's CPU (ms/click): main thread (service + fake Feishu) ${perClick(main)}, clickers' worker ${perClick(worker)}, ` +
          `other threads (V8 GC/compiler helpers, libuv) ${perClick(all - main - (Number.isFinite(worker) ? worker : 0))}`,
      );
    }
    if (dbCpuBefore !== undefined && dbCpuAfter !== undefined) {
      log(`  MariaDB server process (pid ${dbPid}): CPU ${((dbCpuAfter - dbCpuBefore) / Math.max(1, result.sent)).toFixed(2)} ms/click (${f0(((dbCpuAfter - dbCpuBefore) / result.elapsedMs) * 100)} % of one core over the pass)`);
    }
    if (stageReport) {
      log(`  stages, measured pass (ms, mean/p50/p99):`);
      for (const part of stageReport.split('; ')) log(`    ${part}`);
      if (poolQueue.length) {
        const mean = (list: number[]) => list.reduce((a, b) => a + b, 0) / Math.max(1, list.length);
        log(
          `    db pool (${poolLimit} connections): busy mean ${f1(mean(poolBusy))} max ${Math.max(...poolBusy)}; ` +
            `requests queued for a connection mean ${f1(mean(poolQueue))} max ${Math.max(...poolQueue)}`,
        );
      }
    }
    if (cpuReport.length) {
      log(`  CPU profile of the server thread over the measured pass (${cpuProfileFile}):`);
      for (const line of cpuReport) log(`    ${line}`);
    }
    log('================================================================================');
    return 0;
  } finally {
    for (const cleanup of cleanups) {
      await cleanup().catch((error: unknown) => process.stderr.write(`bench cleanup: ${String(error)}\n`));
    }
    await admin.end().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The local mariadbd / mysqld process, when this machine runs it and /proc shows it (Linux); best effort. */
function localDatabasePid(): number | undefined {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (/^(mariadbd|mysqld)$/.test(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) return Number(entry);
      } catch {
        // gone, or not ours to read
      }
    }
  } catch {
    // no /proc
  }
  return undefined;
}

/** CPU (ms) of a thread or process from its /proc stat line (Linux; clock ticks assumed 100 Hz); undefined elsewhere. */
function statCpuMs(path: string): number | undefined {
  try {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** This process's CPU: its main thread (the service and the fake Feishu) and all its threads together (ms). */
function threadCpuMs(): { main?: number; all?: number } {
  return { main: statCpuMs(`/proc/self/task/${process.pid}/stat`), all: statCpuMs('/proc/self/stat') };
}

/** Self time of a V8 CPU profile by package / project folder, and the top functions, in ms per click. */
function summariseCpuProfile(cpuProfile: any, clicks: number): string[] {
  const nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }> = cpuProfile.nodes;
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  const samples: number[] = cpuProfile.samples ?? [];
  const deltas: number[] = cpuProfile.timeDeltas ?? [];
  // timeDeltas[i] is the time before sample i; charge each sample the time until the next one.
  for (let i = 0; i < samples.length; i++) self.set(samples[i], (self.get(samples[i]) ?? 0) + (deltas[i + 1] ?? 0) / 1000);
  const where = (url: string, name: string): string => {
    if (!url) return name.startsWith('(') ? name : '(native)';
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (pkg) return pkg[1];
    if (url.startsWith('node:')) return 'node: internals';
    const own = /\/dist\/((?:src|test|bench)\/(?:[^/]+\/)?)/.exec(url);
    return own ? own[1] : url;
  };
  const groups = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of self) {
    const frame = byId.get(id)!.callFrame;
    total += ms;
    const group = where(frame.url, frame.functionName);
    groups.set(group, (groups.get(group) ?? 0) + ms);
    const fn = `${frame.functionName || '(anonymous)'} ${group}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
  }
  const top = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => `${((ms / Math.max(1e-9, total)) * 100).toFixed(1).padStart(5)} %  ${(ms / Math.max(1, clicks)).toFixed(3)} ms/click  ${name}`);
  return [`total ${f0(total)} ms sampled, ${(total / Math.max(1, clicks)).toFixed(2)} ms/click; by package:`, ...top(groups, 14), 'top functions (self time):', ...top(functions, 20)];
}

if (isMainThread) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`bench failed: ${String((error as Error)?.stack ?? error)}\n`);
      process.exitCode = 1;
    },
  );
}
