import type { AgendaBackend } from 'agenda';
import type { Database } from '../../db/database.js';
import { TypeOrmJobRepository } from './typeorm-job-repository.js';

/**
 * Agenda's backend without Redis: jobs live in `agenda_jobs` on the application's own DataSource. No
 * notification channel, so Agenda finds due jobs by polling every `processEvery`. The DataSource belongs to the
 * application: agenda.stop()/drain() never close it.
 */
export class TypeOrmBackend implements AgendaBackend {
  readonly name = 'TypeORM';
  readonly repository: TypeOrmJobRepository;
  readonly notificationChannel = undefined;
  readonly ownsConnection = false;

  constructor(db: Database) {
    this.repository = new TypeOrmJobRepository(db);
  }

  async connect(): Promise<void> {
    await this.repository.connect();
  }

  async disconnect(): Promise<void> {
    // Nothing of ours to close: the DataSource is the application's.
  }
}
