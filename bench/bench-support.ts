/**
 * Helpers shared by the benchmarks: environment knobs, MariaDB scratch databases and server counters, running a
 * load pass in a worker thread, latency figures, and the "where does the time go" stage timer.
 */
import http, { type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { Connection } from 'mysql2/promise';
import type { AppConfig, DatabaseConfig } from '../src/config/config.js';

export const REQUEST_TIMEOUT_MS = 10_000;

export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

/** The service's config as the load benches run it: port 0, quiet logs, a slow sweep; `extra` adds or overrides. */
export function benchServiceConfig(dataDir: string, database: DatabaseConfig, extra: Partial<AppConfig> = {}): AppConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    database,
    adminToken: BENCH_ADMIN_TOKEN,
    publicBaseUrl: 'http://127.0.0.1',
    logLevel: 'silent',
    escalationSweepSeconds: 30,
    ...extra,
  };
}

/** An integer environment knob, clamped to [min, max]. */
export function intEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${JSON.stringify(raw)}`);
  return Math.min(max, Math.max(min, Math.round(value)));
}

/** BENCH_MARIADB_URL (default mysql://root@127.0.0.1:3306), refused unless it points at this machine. */
export function mariadbRootUrl(): string {
  const rootUrl = (process.env.BENCH_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
  const host = new URL(rootUrl).hostname;
  if (!['127.0.0.1', 'localhost'].includes(host)) throw new Error(`BENCH_MARIADB_URL must point at 127.0.0.1, not ${host}`);
  return rootUrl;
}

/** Hard stop for the whole run, in case something hangs (each pass is bounded on its own as well). */
export function startWatchdog(ms: number): void {
  const watchdog = setTimeout(() => {
    process.stderr.write('bench: overall time limit reached, exiting\n');
    process.exit(2);
  }, ms);
  watchdog.unref();
}

/** Drops and creates the databases; returns the cleanup that drops them again. */
export async function freshDatabases(admin: Connection, names: string[]): Promise<() => Promise<void>> {
  for (const name of names) {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  }
  return async () => {
    for (const name of names) await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
  };
}

/** Server-wide MariaDB counters, read before and after a pass. */
export async function sqlStatus(admin: Connection): Promise<Record<string, number>> {
  const [rows] = await admin.query(
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions','Com_select','Com_insert','Com_update','Com_begin','Com_commit','Com_rollback','Com_set_option','Innodb_log_writes','Innodb_os_log_fsyncs','Innodb_row_lock_waits')",
  );
  return Object.fromEntries((rows as Array<{ Variable_name: string; Value: string }>).map((r) => [r.Variable_name, Number(r.Value)]));
}

/** The counters that moved, per request. */
export function perRequest(before: Record<string, number>, after: Record<string, number>, n: number): string {
  return Object.keys(after)
    .filter((k) => after[k] - before[k] > 0)
    .map((k) => `${k}=${((after[k] - before[k]) / n).toFixed(2)}`)
    .join(' ');
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export interface LatencyFigures {
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export function latencyFigures(latenciesMs: number[]): LatencyFigures {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
  };
}

export const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
export const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : 'n/a');

export interface PostAnswer {
  status: number;
  text: string;
}

/** One POST on 127.0.0.1 through `agent`, bounded by REQUEST_TIMEOUT_MS. */
export function postOnce(agent: http.Agent, port: number, path: string, headers: Record<string, string | number>, body: string): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.setTimeout(REQUEST_TIMEOUT_MS, () => request.destroy(new Error(`timeout after ${REQUEST_TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Runs one load pass in a fresh worker thread started from `moduleUrl` (the bench file itself, which runs its load
 * driver when it is not the main thread) and resolves with what the worker posts back as `{ result }`.
 */
export function runInWorker<Spec, Result>(moduleUrl: URL, spec: Spec): Promise<Result> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(moduleUrl, { workerData: spec });
    let settled = false;
    worker.once('message', (message: { result?: Result; error?: string }) => {
      settled = true;
      if (message.result) resolve(message.result);
      else reject(new Error(`load worker failed: ${message.error}`));
    });
    worker.once('error', (error) => {
      if (!settled) reject(error);
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`load worker exited with code ${code} before reporting`));
      settled = true;
    });
  });
}

/**
 * The server's main thread: event-loop utilisation over the pass (1.0 = the loop never waited on I/O, i.e. CPU-bound),
 * and process CPU per request (includes the load worker thread, so it is an upper bound).
 */
export function serverLoad(elu: ReturnType<typeof performance.eventLoopUtilization>, cpu: NodeJS.CpuUsage, requests: number): string {
  const used = performance.eventLoopUtilization(elu);
  const spent = process.cpuUsage(cpu);
  return `event-loop utilisation ${(used.utilization * 100).toFixed(0)} %, process CPU ${((spent.user + spent.system) / 1000 / Math.max(1, requests)).toFixed(2)} ms/request (server + load worker)`;
}

/** Times async methods from outside by wrapping them (on an instance or a prototype): mean/p50/p99 per label. */
export class StageTimer {
  private readonly samples = new Map<string, number[]>();

  wrap(target: any, method: string, label: string): void {
    const original = target[method];
    if (typeof original !== 'function') throw new Error(`stage timer: ${label}: no method ${method}`);
    const samples: number[] = [];
    this.samples.set(label, samples);
    target[method] = async function (this: unknown, ...args: unknown[]) {
      const started = performance.now();
      try {
        return await original.apply(this, args);
      } finally {
        samples.push(performance.now() - started);
      }
    };
  }

  /** Records a sample under `label` (for timings not taken by wrapping). */
  add(label: string, ms: number): void {
    let list = this.samples.get(label);
    if (!list) this.samples.set(label, (list = []));
    list.push(ms);
  }

  reset(): void {
    this.samples.forEach((list) => (list.length = 0));
  }

  /** `label mean/p50/p99` joined by '; ' (count too when `withCount`). */
  report(withCount = false): string {
    return [...this.samples]
      .map(([label, list]) => {
        const sorted = [...list].sort((a, b) => a - b);
        const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
        return `${label} ${mean.toFixed(1)}/${percentile(sorted, 50).toFixed(1)}/${percentile(sorted, 99).toFixed(1)}${withCount ? ` (n=${sorted.length})` : ''}`;
      })
      .join('; ');
  }
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** Resolves with the promise's value, or with `undefined` after `ms` (the promise keeps running). */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Answers of the Feishu-compatible endpoint, tallied: success is HTTP 200 with `code: 0`. */
export class FeishuAnswerTally {
  ok = 0;
  failed = 0;
  readonly failures: string[] = [];
  readonly latenciesMs: number[] = [];

  constructor(
    private readonly agent: http.Agent,
    private readonly port: number,
    private readonly path: string,
  ) {}

  /** Posts one text message; its latency counts from `startedAt` (a scheduled time, for open-loop load). */
  async postText(text: string, startedAt = performance.now()): Promise<void> {
    const body = JSON.stringify({ msg_type: 'text', content: { text } });
    try {
      const answer = await postOnce(this.agent, this.port, this.path, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, body);
      if (answer.status === 200 && feishuCode(answer.text) === 0) {
        this.ok++;
        this.latenciesMs.push(performance.now() - startedAt);
      } else {
        this.fail(`HTTP ${answer.status}: ${answer.text.slice(0, 200)}`);
      }
    } catch (error) {
      this.fail(String((error as Error).message ?? error));
    }
  }

  private fail(reason: string): void {
    this.failed++;
    if (this.failures.length < 5) this.failures.push(reason);
  }
}

function feishuCode(text: string): unknown {
  try {
    return (JSON.parse(text) as { code?: unknown }).code;
  } catch {
    return undefined;
  }
}

/** The admin API of a service under bench: JSON in and out, and any status other than `expect` stops the bench. */
export function strictAdminApi(serviceUrl: string, adminToken: string) {
  return async (method: string, path: string, body: unknown, expect = 201): Promise<any> => {
    const response = await fetch(`${serviceUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as any;
    if (response.status !== expect) throw new Error(`${method} ${path}: HTTP ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };
}
