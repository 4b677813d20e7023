/**
 * Cold start: how long after `npm start` (and after `node dist/src/main.js`) the service answers GET /healthz with
 * 200, on the zero-config setup (embedded SQLite in an empty data directory, no Redis, no IM app).
 *
 *   npm run bench:cold-start
 *
 * Environment (optional): BENCH_RUNS         starts per already-built case (default 5)
 *                         BENCH_BUILD_RUNS   starts that must compile first (default 2: each is a full tsc run)
 *
 * Cases, each run from a fresh data directory on a fresh port, the process group stopped before the next:
 *   - staleness check alone: `node src/cli/build-once.mjs` with dist/ current (what every `npm start` pays);
 *   - `npm start`, sources changed since the last build (stamp removed): compiles, then starts;
 *   - `npm start`, already built (as after `npm ci`, whose `prepare` builds);
 *   - `node dist/src/main.js`, already built (the container's command).
 * Prints median and max per case, and exits 0. Run it from the project root on an otherwise idle machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { f0, intEnv, percentile, startWatchdog } from './bench-support.js';

const RUNS = intEnv('BENCH_RUNS', 5, 1, 50);
const BUILD_RUNS = intEnv('BENCH_BUILD_RUNS', 2, 0, 10);
const ROOT = process.cwd();
const STAMP = join(ROOT, 'dist', '.build-stamp');
/** Longest wait for one start (a compile on a busy 2-core machine has taken 40 s). */
const START_LIMIT_MS = 180_000;
const STOP_LIMIT_MS = 20_000;

interface Case {
  name: string;
  command: string[];
  runs: number;
  /** Before each run: what makes the case (the stamp removed: sources count as changed). */
  prepare?: () => void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function healthy(port: number): Promise<boolean> {
  try {
    const answer = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
    await answer.arrayBuffer();
    return answer.status === 200;
  } catch {
    return false;
  }
}

/** The zero-config environment: nothing of the caller's configuration (databases, Redis, IM apps) leaks in. */
function environment(dataDir: string, port: number): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
}

/** Stops the whole process group (npm and the node it started) and waits for it to be gone. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), STOP_LIMIT_MS);
  await exited;
  clearTimeout(timer);
}

/** Milliseconds from spawning `command` until /healthz answers 200. */
async function timeToHealthy(command: string[]): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'oncall-cold-start-'));
  const port = await freePort();
  const started = performance.now();
  const child = spawn(command[0], command.slice(1), { cwd: ROOT, env: environment(dataDir, port), detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  try {
    while (!(await healthy(port))) {
      if (child.exitCode !== null) throw new Error(`${command.join(' ')} exited with ${child.exitCode} before answering:\n${stderr}`);
      if (performance.now() - started > START_LIMIT_MS) throw new Error(`${command.join(' ')} did not answer within ${START_LIMIT_MS} ms:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return performance.now() - started;
  } finally {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Milliseconds `command` takes to run to its end. */
function timeToExit(command: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { cwd: ROOT, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${command.join(' ')} exited with ${code}`))));
  });
}

function figures(name: string, timesMs: number[]): void {
  const sorted = [...timesMs].sort((a, b) => a - b);
  console.log(`${name.padEnd(56)} median ${f0(percentile(sorted, 50)).padStart(6)} ms   max ${f0(sorted.at(-1)!).padStart(6)} ms   (${sorted.length} runs: ${sorted.map(f0).join(', ')})`);
}

async function main(): Promise<void> {
  startWatchdog(30 * 60_000);
  console.log(`cold start to the first 200 from GET /healthz, zero-config (SQLite in an empty data dir), node ${process.version}`);

  // Whatever state dist/ is in, make it current first (and check that the check then says so).
  await timeToExit(['node', 'src/cli/build-once.mjs']);
  const checks: number[] = [];
  for (let run = 0; run < RUNS; run++) checks.push(await timeToExit(['node', 'src/cli/build-once.mjs']));
  figures('staleness check (node src/cli/build-once.mjs, current)', checks);

  const cases: Case[] = [
    { name: 'npm start, sources changed (compiles first)', command: ['npm', 'start', '--silent'], runs: BUILD_RUNS, prepare: () => rmSync(STAMP, { force: true }) },
    { name: 'npm start, already built', command: ['npm', 'start', '--silent'], runs: RUNS },
    { name: 'node dist/src/main.js, already built', command: ['node', 'dist/src/main.js'], runs: RUNS },
  ];
  for (const benchCase of cases) {
    if (benchCase.runs === 0) continue;
    const times: number[] = [];
    for (let run = 0; run < benchCase.runs; run++) {
      benchCase.prepare?.();
      times.push(await timeToHealthy(benchCase.command));
    }
    figures(benchCase.name, times);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
