import { In } from 'typeorm';
import { IntegrationHealthEntity, type IntegrationHealth } from '../../db/entities/integration-health.entity.js';
import { isUniqueViolation, type Database } from '../../db/database.js';

const MAX_ERROR_CHARS = 500;
const HEALTH_KEY = { name: 'PRIMARY', columns: 'integration_health.integration_id' };

export type ShownHealth = Omit<IntegrationHealth, 'integrationId'>;

const EMPTY: ShownHealth = {
  lastIncomingAt: null,
  lastOutgoingAt: null,
  lastCheckAt: null,
  lastSuccessfulCheckAt: null,
  lastIncomingErrorAt: null,
  lastIncomingError: null,
  incomingErrors: 0,
  lastOutgoingErrorAt: null,
  lastOutgoingError: null,
  outgoingErrors: 0,
  disabledAutomaticallyAt: null,
};

function errorText(message: string): string {
  return message.length > MAX_ERROR_CHARS ? `${message.slice(0, MAX_ERROR_CHARS - 1)}…` : message;
}

/**
 * The health fields of integrations: mailbox checks, mail received and sent, and consecutive errors each way.
 * Counters move in SQL (`n = n + 1`), so instances reading one mailbox count together.
 */
export class IntegrationHealthService {
  private readonly rows = new Set<number>();

  constructor(private readonly db: Database) {}

  async get(integrationId: number): Promise<ShownHealth> {
    return (await this.getMany([integrationId])).get(integrationId)!;
  }

  async getMany(integrationIds: number[]): Promise<Map<number, ShownHealth>> {
    const found = integrationIds.length ? await this.db.manager.findBy(IntegrationHealthEntity, { integrationId: In(integrationIds) }) : [];
    const shown = new Map<number, ShownHealth>(integrationIds.map((id) => [id, { ...EMPTY }]));
    for (const { integrationId, ...health } of found) shown.set(integrationId, health);
    return shown;
  }

  /** A check of the mailbox went through. The errors were consecutive only until now. */
  async checkSucceeded(integrationId: number): Promise<void> {
    const now = new Date();
    await this.write(integrationId, { lastCheckAt: now, lastSuccessfulCheckAt: now, incomingErrors: 0 });
  }

  /** A check failed (server down, login refused …); returns the consecutive incoming errors so far. */
  async checkFailed(integrationId: number, message: string): Promise<number> {
    const now = new Date();
    await this.ensureRow(integrationId);
    await this.db.manager
      .createQueryBuilder()
      .update(IntegrationHealthEntity)
      .set({ lastCheckAt: now, lastIncomingErrorAt: now, lastIncomingError: errorText(message), incomingErrors: () => 'incoming_errors + 1' })
      .where('integration_id = :integrationId', { integrationId })
      .execute();
    return (await this.get(integrationId)).incomingErrors;
  }

  /** A message could not be made an alert (too large, malformed): shown as the last error, not counted as the mailbox failing. */
  async messageRefused(integrationId: number, message: string): Promise<void> {
    await this.write(integrationId, { lastIncomingErrorAt: new Date(), lastIncomingError: errorText(message) });
  }

  async received(integrationId: number): Promise<void> {
    await this.write(integrationId, { lastIncomingAt: new Date(), incomingErrors: 0 });
  }

  async sent(integrationId: number): Promise<void> {
    await this.write(integrationId, { lastOutgoingAt: new Date(), outgoingErrors: 0 });
  }

  async sendFailed(integrationId: number, message: string): Promise<void> {
    await this.ensureRow(integrationId);
    await this.db.manager
      .createQueryBuilder()
      .update(IntegrationHealthEntity)
      .set({ lastOutgoingErrorAt: new Date(), lastOutgoingError: errorText(message), outgoingErrors: () => 'outgoing_errors + 1' })
      .where('integration_id = :integrationId', { integrationId })
      .execute();
  }

  async disabledAutomatically(integrationId: number): Promise<void> {
    await this.write(integrationId, { disabledAutomaticallyAt: new Date() });
  }

  /** An admin enabled the integration again: its incoming errors start from zero. */
  async reenabled(integrationId: number): Promise<void> {
    await this.write(integrationId, { incomingErrors: 0, disabledAutomaticallyAt: null });
  }

  async remove(integrationId: number): Promise<void> {
    await this.db.manager.delete(IntegrationHealthEntity, { integrationId });
    this.rows.delete(integrationId);
  }

  private async write(integrationId: number, fields: Partial<ShownHealth>): Promise<void> {
    await this.ensureRow(integrationId);
    await this.db.manager.update(IntegrationHealthEntity, { integrationId }, fields);
  }

  private async ensureRow(integrationId: number): Promise<void> {
    if (this.rows.has(integrationId)) return;
    if (!(await this.db.manager.existsBy(IntegrationHealthEntity, { integrationId }))) {
      try {
        await this.db.manager.insert(IntegrationHealthEntity, { integrationId, ...EMPTY });
      } catch (error) {
        if (!isUniqueViolation(error, HEALTH_KEY)) throw error;
      }
    }
    this.rows.add(integrationId);
  }
}
