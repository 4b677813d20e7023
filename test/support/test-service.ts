import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import type { AppConfig, DatabaseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { startService, type RunningService } from '../../src/app/start-service.js';
import { dropDatabase, freshDatabase, type DatabaseKind } from './databases.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestService extends RunningService {
  /** Calls the admin API with the bearer token; returns status and parsed JSON. */
  api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** POSTs a raw body to a path of the service (the Feishu-compatible endpoint). */
  post<T = any>(path: string, body: string | object, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
}

/** The configuration every test service starts with: random port, own data dir, silent logs, on `database`. */
export function testServiceConfig(database: DatabaseConfig, overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    dataDir: mkdtempSync(join(tmpdir(), 'oncall-data-')),
    database,
    adminToken: TEST_ADMIN_TOKEN,
    publicBaseUrl: 'http://oncall.test',
    logLevel: 'silent',
    escalationSweepSeconds: 30,
    ...overrides,
  };
}

/**
 * The whole service, as main.ts starts it, on a random port over a fresh database of the given kind.
 * `log` receives its log lines (at `overrides.logLevel`) instead of stdout.
 */
export async function startTestService(
  kind: DatabaseKind,
  label: string,
  overrides: Partial<AppConfig> = {},
  log?: DestinationStream,
): Promise<TestService> {
  const database = await freshDatabase(kind, label);
  const config = testServiceConfig(database, overrides);
  const running = await startService(config, createLogger(config.logLevel, log));
  const request = async (method: string, path: string, body: string | undefined, headers: Record<string, string>) => {
    const response = await fetch(`${running.url}${path}`, { method, body, headers });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    ...running,
    api: (method, path, body) =>
      request(method, `/api/v1${path}`, body === undefined ? undefined : JSON.stringify(body), {
        authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
        'content-type': 'application/json',
      }),
    post: (path, body, headers = { 'content-type': 'application/json' }) =>
      request('POST', path, typeof body === 'string' ? body : JSON.stringify(body), headers),
    async stop() {
      await running.stop();
      await dropDatabase(database);
    },
  };
}

/** The path part of an integration URL returned by the admin API. */
export function hookPath(url: string): string {
  return new URL(url).pathname;
}
