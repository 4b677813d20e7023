/**
 * Ingest benchmark: the real service's Feishu-compatible endpoint against a bare Koa + mysql2 "one INSERT"
 * ceiling, on the same MariaDB, under the same load; then the full path again at half its peak rate.
 *
 *   npm run bench:ingest
 *
 * Environment (all optional):
 *   BENCH_CONCURRENCY   concurrent senders in the closed-loop passes (default 32)
 *   BENCH_REQUESTS      requests per measured pass (default 12000)
 *   BENCH_WARMUP        warm-up requests before each closed-loop pass (default 2000: the full path has far more
 *                       code to compile than the ceiling, and 200 warm-up requests left it measuring the JIT)
 *   BENCH_MAX_SECONDS   time bound of each pass (default 60)
 *   BENCH_HALF_SECONDS  target length of the half-rate pass (default 15; fewer requests if BENCH_REQUESTS is reached first)
 *   BENCH_MARIADB_URL   server to use (default mysql://root@127.0.0.1:3306; must be on 127.0.0.1/localhost)
 *   BENCH_PROFILE=1     also time the service's stages (integration lookup, ingest transaction) from outside
 *
 * The load generator runs in a worker thread so that its own work does not sit on the server's event loop.
 * It prints figures and exits 0 whether the targets are met or not (non-zero only if the run itself broke).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http, { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  BENCH_ADMIN_TOKEN,
  benchServiceConfig,
  FeishuAnswerTally,
  StageTimer,
  closeServer,
  f0,
  f1,
  freshDatabases,
  intEnv,
  latencyFigures,
  mariadbRootUrl,
  perRequest,
  runInWorker,
  serverLoad,
  sqlStatus,
  startWatchdog,
} from './bench-support.js';

// ---------------------------------------------------------------------------------------------------------------
// Load driver (runs inside a worker thread)
// ---------------------------------------------------------------------------------------------------------------

interface LoadSpec {
  port: number;
  path: string;
  label: string;
  /** closed: `concurrency` senders, each sending its next request when the previous answer arrived.
   *  open: requests fired at `rate` per second regardless of answers; latency counted from the scheduled time. */
  mode: 'closed' | 'open';
  concurrency: number;
  rate: number;
  requests: number;
  maxMs: number;
}

interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  failures: string[];
  elapsedMs: number;
  latenciesMs: number[];
  /** Open loop only: how late (ms) the driver fired the worst request versus its schedule. */
  maxFireLagMs: number;
}

async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const sockets = spec.mode === 'closed' ? spec.concurrency : 512;
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  const tally = new FeishuAnswerTally(agent, spec.port, spec.path);
  let sent = 0;
  let maxFireLagMs = 0;

  const one = (index: number, startedAt: number): Promise<void> =>
    tally.postText(`[bench ${spec.label}] disk usage high on host-${index % 97} (request ${index}, ${new Date().toISOString()})`, startedAt);

  const started = performance.now();
  const deadline = started + spec.maxMs;
  if (spec.mode === 'closed') {
    const sender = async () => {
      while (sent < spec.requests && performance.now() < deadline) {
        const index = sent++;
        await one(index, performance.now());
      }
    };
    await Promise.all(Array.from({ length: spec.concurrency }, sender));
  } else {
    const intervalMs = 1000 / spec.rate;
    const inFlight = new Set<Promise<void>>();
    while (sent < spec.requests && performance.now() < deadline) {
      const now = performance.now();
      while (sent < spec.requests && started + sent * intervalMs <= now) {
        const scheduled = started + sent * intervalMs;
        maxFireLagMs = Math.max(maxFireLagMs, now - scheduled);
        const pending = one(sent++, scheduled);
        inFlight.add(pending);
        void pending.finally(() => inFlight.delete(pending));
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(1, intervalMs / 2)));
    }
    await Promise.all(inFlight);
  }
  const elapsedMs = performance.now() - started;
  agent.destroy();
  const { ok, failed, failures, latenciesMs } = tally;
  return { sent, ok, failed, failures, elapsedMs, latenciesMs, maxFireLagMs };
}

if (!isMainThread) {
  runLoad(workerData as LoadSpec).then(
    (result) => parentPort!.postMessage({ result }),
    (error: unknown) => parentPort!.postMessage({ error: String((error as Error)?.stack ?? error) }),
  );
}

/** Runs one load pass in a fresh worker thread. */
function drive(spec: LoadSpec): Promise<LoadResult> {
  return runInWorker<LoadSpec, LoadResult>(new URL(import.meta.url), spec);
}

// ---------------------------------------------------------------------------------------------------------------
// Orchestration (main thread)
// ---------------------------------------------------------------------------------------------------------------

const SERVICE_DB = 'oncall_bench';
const CEILING_DB = 'oncall_bench_ceiling';
const TARGET_RATIO = 0.5;
const TARGET_HALF_RATE_P99_MS = 50;

interface PassFigures {
  ok: number;
  failed: number;
  rate: number;
  p50: number;
  p99: number;
  max: number;
  elapsedMs: number;
  failures: string[];
  maxFireLagMs: number;
}

function figures(result: LoadResult): PassFigures {
  const latency = latencyFigures(result.latenciesMs);
  return {
    ok: result.ok,
    failed: result.failed,
    rate: result.ok / (result.elapsedMs / 1000),
    p50: latency.p50,
    p99: latency.p99,
    max: latency.max,
    elapsedMs: result.elapsedMs,
    failures: result.failures,
    maxFireLagMs: result.maxFireLagMs,
  };
}

async function main(): Promise<number> {
  const concurrency = intEnv('BENCH_CONCURRENCY', 32, 1, 1024);
  const requests = intEnv('BENCH_REQUESTS', 12_000, 1, 1_000_000);
  const warmup = intEnv('BENCH_WARMUP', 2_000, 0, 100_000);
  const maxMs = intEnv('BENCH_MAX_SECONDS', 60, 1, 3600) * 1000;
  const halfSeconds = intEnv('BENCH_HALF_SECONDS', 15, 1, 3600);
  const profile = process.env.BENCH_PROFILE === '1';
  const rootUrl = mariadbRootUrl();

  // Hard stop for the whole run, in case something hangs (each pass is also bounded by BENCH_MAX_SECONDS).
  startWatchdog(4 * maxMs + 120_000);

  const { createConnection, createPool } = await import('mysql2/promise');
  const { default: Koa } = await import('koa');
  const { default: Router } = await import('@koa/router');
  const { startService } = await import('../src/app/start-service.js');
  const { createLogger } = await import('../src/lib/logger.js');
  const { readBody } = await import('../src/lib/read-body.js');

  const admin = await createConnection(rootUrl);
  const dataDir = mkdtempSync(join(tmpdir(), 'oncall-bench-'));
  const cleanups: Array<() => Promise<unknown>> = [];
  const log = (line: string) => process.stdout.write(`${line}\n`);

  const status = () => sqlStatus(admin);

  try {
    cleanups.push(await freshDatabases(admin, [SERVICE_DB, CEILING_DB]));

    // ---- the real service ----------------------------------------------------------------------------------
    const running = await startService(
      benchServiceConfig(dataDir, { kind: 'mysql', url: `${rootUrl}/${SERVICE_DB}` }),
      createLogger('silent'),
    );
    cleanups.unshift(() => running.stop());
    const servicePort = Number(new URL(running.url).port);

    const api = async (method: string, path: string, body: unknown) => {
      const response = await fetch(`${running.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = (await response.json()) as any;
      if (response.status !== 201) throw new Error(`${method} ${path}: HTTP ${response.status} ${JSON.stringify(answer)}`);
      return answer;
    };
    const channel = await api('POST', '/channels', { name: 'bench' });
    const integration = await api('POST', '/integrations', {
      name: 'bench feishu',
      kind: 'dedicated',
      channelId: channel.id,
      pushMode: 'always_new',
    });
    const hookPath = new URL(integration.url as string).pathname;

    const stages = profile ? instrument(running.services as any) : undefined;

    const incidentCount = async () => {
      const [rows] = await admin.query(`SELECT COUNT(*) AS n FROM \`${SERVICE_DB}\`.incidents`);
      return Number((rows as Array<{ n: number }>)[0].n);
    };

    const closedPass = async (port: number, path: string, label: string, countRows: () => Promise<number>) => {
      if (warmup > 0) {
        const warm = await drive({ port, path, label: `${label} warm-up`, mode: 'closed', concurrency, rate: 0, requests: warmup, maxMs });
        if (warm.failed > 0) log(`  ! ${label} warm-up: ${warm.failed} failed, e.g. ${warm.failures[0]}`);
      }
      stages?.reset();
      const rowsBefore = await countRows();
      const before = await status();
      const elu = performance.eventLoopUtilization();
      const cpu = process.cpuUsage();
      const result = await drive({ port, path, label, mode: 'closed', concurrency, rate: 0, requests, maxMs });
      const load = serverLoad(elu, cpu, result.sent);
      const after = await status();
      const rowsAfter = await countRows();
      return { result: figures(result), rows: rowsAfter - rowsBefore, sql: perRequest(before, after, Math.max(1, result.sent)), load };
    };

    log(`ingest bench: ${concurrency} concurrent senders, ${requests} requests per pass, ${warmup} warm-up, MariaDB ${rootUrl}`);

    // ---- pass 1: full path, closed loop --------------------------------------------------------------------
    const full = await closedPass(servicePort, hookPath, 'full', incidentCount);
    const fullStages = stages?.report();

    // ---- pass 2: the ceiling, bare Koa + one INSERT ---------------------------------------------------------
    await admin.query(
      `CREATE TABLE \`${CEILING_DB}\`.bench_alerts (
         id INT AUTO_INCREMENT PRIMARY KEY,
         body TEXT NOT NULL,
         created_at DATETIME(3) NOT NULL
       ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
    );
    const pool = createPool({ uri: `${rootUrl}/${CEILING_DB}`, connectionLimit: 20, timezone: 'Z' });
    cleanups.unshift(() => pool.end());
    const ceilingApp = new Koa();
    const router = new Router();
    router.post('/ingest', async (ctx) => {
      const body = await readBody(ctx.req, 20 * 1024);
      if (!body.ok) {
        ctx.body = { code: 9499, msg: 'Bad Request' };
        return;
      }
      const parsed = JSON.parse(body.raw) as { content?: { text?: string } };
      const [result] = await pool.query('INSERT INTO bench_alerts (body, created_at) VALUES (?, ?)', [
        parsed.content?.text ?? body.raw,
        new Date(),
      ]);
      ctx.body = { code: 0, msg: 'success', data: { id: (result as { insertId: number }).insertId } };
    });
    ceilingApp.use(router.routes());
    const ceilingServer = createServer(ceilingApp.callback());
    ceilingServer.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => ceilingServer.listen(0, '127.0.0.1', resolve));
    cleanups.unshift(() => closeServer(ceilingServer));
    const ceilingPort = (ceilingServer.address() as AddressInfo).port;
    const ceilingCount = async () => {
      const [rows] = await admin.query(`SELECT COUNT(*) AS n FROM \`${CEILING_DB}\`.bench_alerts`);
      return Number((rows as Array<{ n: number }>)[0].n);
    };
    const ceiling = await closedPass(ceilingPort, '/ingest', 'ceiling', ceilingCount);

    // ---- pass 3: full path, open loop at half its peak rate ------------------------------------------------
    const halfRate = full.result.rate / 2;
    let half: { result: PassFigures; rows: number } | undefined;
    if (Number.isFinite(halfRate) && halfRate > 0) {
      const halfRequests = Math.max(1, Math.min(requests, Math.ceil(halfRate * halfSeconds)));
      stages?.reset();
      const rowsBefore = await incidentCount();
      const result = await drive({ port: servicePort, path: hookPath, label: 'half', mode: 'open', concurrency, rate: halfRate, requests: halfRequests, maxMs });
      half = { result: figures(result), rows: (await incidentCount()) - rowsBefore };
    }
    const halfStages = stages?.report();

    // ---- report ---------------------------------------------------------------------------------------------
    const ratio = full.result.rate / ceiling.result.rate;
    const checks = [
      { name: 'full', pass: full, expectRows: full.result.ok },
      { name: 'ceiling', pass: ceiling, expectRows: ceiling.result.ok },
      ...(half ? [{ name: 'half-rate', pass: half, expectRows: half.result.ok }] : []),
    ];
    const row = (label: string, value: string) => log(`  ${label.padEnd(36)} ${value.padStart(12)}`);

    log('');
    log('=== ingest benchmark ===========================================================');
    row('full path    alerts/s', f0(full.result.rate));
    row('full path    p50 (ms)', f1(full.result.p50));
    row('full path    p99 (ms)', f1(full.result.p99));
    row('ceiling      alerts/s', f0(ceiling.result.rate));
    row('ceiling      p50 (ms)', f1(ceiling.result.p50));
    row('ceiling      p99 (ms)', f1(ceiling.result.p99));
    row('full / ceiling', `${f1(ratio * 100)} %`);
    row(`half rate    target alerts/s`, f0(halfRate));
    row('half rate    achieved alerts/s', half ? f0(half.result.rate) : 'n/a');
    row('half rate    p50 (ms)', half ? f1(half.result.p50) : 'n/a');
    row('half rate    p99 (ms)', half ? f1(half.result.p99) : 'n/a');
    log('--------------------------------------------------------------------------------');
    const ratioPass = ratio >= TARGET_RATIO;
    const latencyPass = half !== undefined && half.result.p99 <= TARGET_HALF_RATE_P99_MS;
    log(`  ${ratioPass ? 'PASS' : 'FAIL'}  full path >= ${TARGET_RATIO * 100}% of ceiling       (${f1(ratio * 100)} %)`);
    log(`  ${latencyPass ? 'PASS' : 'FAIL'}  p99 <= ${TARGET_HALF_RATE_P99_MS} ms at half the peak rate (${half ? f1(half.result.p99) : 'n/a'} ms)`);
    log('--------------------------------------------------------------------------------');
    for (const check of checks) {
      const r = check.pass.result;
      const consistent = check.pass.rows === check.expectRows;
      log(
        `  ${check.name.padEnd(10)} ${r.ok} ok / ${r.failed} failed (code 0 on every answer: ${r.failed === 0 ? 'yes' : 'NO'}), ` +
          `rows written ${check.pass.rows} (${consistent ? 'matches' : 'MISMATCH'}), ${f1(r.elapsedMs / 1000)} s, max ${f1(r.max)} ms` +
          (check.name === 'half-rate' ? `, worst fire lag ${f1(r.maxFireLagMs)} ms` : ''),
      );
      for (const failure of r.failures) log(`      e.g. ${failure}`);
    }
    log(`  server-wide SQL per request, full:    ${full.sql}`);
    log(`  server-wide SQL per request, ceiling: ${ceiling.sql}`);
    log(`  server process, full:    ${full.load}`);
    log(`  server process, ceiling: ${ceiling.load}`);
    if (fullStages) log(`  stages, full pass (ms, mean/p50/p99):  ${fullStages}`);
    if (halfStages) log(`  stages, half rate (ms, mean/p50/p99):  ${halfStages}`);
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

/** BENCH_PROFILE=1: wraps the route's collaborators (same instances the router holds) to time each stage. */
function instrument(services: { integrations: any; ingest: any }) {
  const timer = new StageTimer();
  timer.wrap(services.integrations, 'findByKey', 'findByKey');
  timer.wrap(services.ingest, 'ingest', 'ingest');
  const dbTx = services.ingest.db;
  if (dbTx && typeof dbTx.transaction === 'function') timer.wrap(dbTx, 'transaction', 'transaction');
  return { reset: () => timer.reset(), report: () => timer.report() };
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
