import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from '../src/app/start-service.js';
import type { AppConfig, DatabaseConfig } from '../src/config/config.js';
import { createLogger } from '../src/lib/logger.js';

const ADMIN_TOKEN = 'bench-admin-token-0123456789';

export type BenchService = Awaited<ReturnType<typeof startService>> & {
  /** The admin API, answered as parsed JSON. */
  api(method: string, path: string, body?: unknown): Promise<any>;
};

/**
 * The service in this process with a fresh data dir, quiet logs and a slow sweep, as the benches run it: the embedded
 * SQLite unless `database` picks another (it gets the data dir).
 */
export async function startBenchService(
  label: string,
  database: (dataDir: string) => DatabaseConfig | Promise<DatabaseConfig> = (dataDir) => ({ kind: 'sqlite', file: join(dataDir, 'oncall.sqlite') }),
): Promise<BenchService> {
  const dataDir = mkdtempSync(join(tmpdir(), `oncall-bench-${label}-`));
  const config: AppConfig = {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    database: await database(dataDir),
    adminToken: ADMIN_TOKEN,
    publicBaseUrl: 'http://oncall.bench',
    logLevel: 'silent',
    escalationSweepSeconds: 30,
  };
  const service = await startService(config, createLogger('silent'));
  return Object.assign(service, {
    async api(method: string, path: string, body?: unknown) {
      const response = await fetch(`${service.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await response.json()) as any;
    },
  });
}
