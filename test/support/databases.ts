import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { DatabaseConfig } from '../../src/config/config.js';

/** MariaDB for tests: the machine's real server (CI starts it); never faked. */
export const MARIADB_ROOT_URL = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306';
export const REDIS_TEST_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15';

export type DatabaseKind = 'sqlite' | 'mariadb';
export const DATABASE_KINDS: DatabaseKind[] = ['sqlite', 'mariadb'];

/** A fresh, empty database of the given kind: a temp SQLite file, or a newly created MariaDB schema. */
export async function freshDatabase(kind: DatabaseKind, label: string): Promise<DatabaseConfig> {
  if (kind === 'sqlite') {
    return { kind: 'sqlite', file: join(mkdtempSync(join(tmpdir(), `oncall-${label}-`)), 'oncall.sqlite') };
  }
  const name = `oncall_t_${label.replace(/\W/g, '_')}_${process.pid}`.slice(0, 60);
  const connection = await createConnection(MARIADB_ROOT_URL);
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await connection.end();
  }
  return { kind: 'mysql', url: `${MARIADB_ROOT_URL}/${name}` };
}

export async function dropDatabase(config: DatabaseConfig): Promise<void> {
  if (config.kind !== 'mysql') return;
  const name = new URL(config.url).pathname.slice(1);
  const connection = await createConnection(MARIADB_ROOT_URL);
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await connection.end();
  }
}

/** The test Redis database, reached through another port on this host (a TCP proxy in front of the real server). */
export function testRedisUrlThrough(port: number): string {
  const url = new URL(REDIS_TEST_URL);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}
