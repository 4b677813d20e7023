import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';
import { Mutex } from '../lib/mutex.js';

interface DriverError {
  errno?: number;
  code?: string;
  message?: string;
  driverError?: DriverError;
}

const MYSQL_DEADLOCK = 1213;
const MYSQL_LOCK_WAIT_TIMEOUT = 1205;
const MYSQL_DUPLICATE_ENTRY = 1062;

function driverErrorOf(error: unknown): DriverError {
  const outer = (error ?? {}) as DriverError;
  return outer.driverError ?? outer;
}

/** A unique index refused the row. `index` narrows it to one index (MariaDB names it; SQLite names the columns). */
export function isUniqueViolation(error: unknown, index?: { name: string; columns: string }): boolean {
  const driver = driverErrorOf(error);
  const message = driver.message ?? '';
  if (driver.errno === MYSQL_DUPLICATE_ENTRY) return !index || message.includes(`'${index.name}'`);
  if (driver.code === 'SQLITE_CONSTRAINT_UNIQUE' || message.includes('UNIQUE constraint failed')) {
    return !index || message.includes(index.columns);
  }
  return false;
}

function isTransient(error: unknown): boolean {
  const errno = driverErrorOf(error).errno;
  return errno === MYSQL_DEADLOCK || errno === MYSQL_LOCK_WAIT_TIMEOUT;
}

export interface TransactionOptions {
  /** Errors, besides deadlocks and lock timeouts, after which the whole unit is retried from the start. */
  retryWhen?: (error: unknown) => boolean;
  attempts?: number;
}

/** EntityManager methods that run SQL; on SQLite they take their turn on the one connection (see Database.manager). */
const STATEMENT_METHODS = new Set<PropertyKey>([
  'query', 'save', 'remove', 'softRemove', 'recover', 'insert', 'upsert', 'update', 'updateAll', 'delete', 'deleteAll',
  'softDelete', 'restore', 'exists', 'existsBy', 'count', 'countBy', 'sum', 'average', 'minimum', 'maximum', 'find',
  'findBy', 'findAndCount', 'findAndCountBy', 'findOne', 'findOneBy', 'findOneOrFail', 'findOneByOrFail', 'clear',
  'increment', 'decrement', 'preload',
]);

/** The DataSource plus the one way this project runs a unit of work. */
export class Database {
  /** SQLite has one writer: queueing our transactions here avoids SQLITE_BUSY and nested BEGINs on the shared connection. */
  private readonly sqliteWriter = new Mutex();
  /** Marks work running in its SQLite turn, so that what it calls itself does not queue behind it. */
  private readonly sqliteTurn = new AsyncLocalStorage<{ holding: boolean }>();
  private sqliteManager?: EntityManager;

  constructor(readonly dataSource: DataSource) {}

  get isMysql(): boolean {
    return this.dataSource.options.type === 'mysql';
  }

  /**
   * Statements outside a transaction. On SQLite all statements share one connection, so one issued while another
   * flow's transaction is open would run inside it and vanish if that transaction rolled back: there, each call
   * waits for its turn like a transaction does. (Query builders are not covered: use them for reads, or in db.transaction.)
   */
  get manager(): EntityManager {
    if (this.isMysql) return this.dataSource.manager;
    return (this.sqliteManager ??= new Proxy(this.dataSource.manager, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || !STATEMENT_METHODS.has(property)) return value;
        return (...args: unknown[]) => this.inSqliteTurn(() => value.apply(target, args));
      },
    }));
  }

  private inSqliteTurn<T>(work: () => Promise<T>): Promise<T> {
    if (this.sqliteTurn.getStore()?.holding) return work();
    return this.sqliteWriter.run(async () => {
      const turn = { holding: true };
      try {
        return await this.sqliteTurn.run(turn, work);
      } finally {
        // Work the turn started in the background (a publish after a write) queues like everyone else from now on.
        turn.holding = false;
      }
    });
  }

  async transaction<T>(work: (manager: EntityManager) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const attempts = options.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        if (this.isMysql) return await this.dataSource.transaction(work);
        return await this.inSqliteTurn(() => this.dataSource.transaction(work));
      } catch (error) {
        const retryable = isTransient(error) || options.retryWhen?.(error) === true;
        if (!retryable || attempt >= attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    }
  }

  /** Row lock for read-modify-write on MariaDB; SQLite's single writer already serialises. */
  lockMode(): { mode: 'pessimistic_write' } | Record<string, never> {
    return this.isMysql ? { mode: 'pessimistic_write' } : {};
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
