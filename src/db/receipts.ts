import type { EntityManager } from 'typeorm';
import { isUniqueViolation } from './database.js';
import { ProcessedEventEntity } from './entities/processed-event.entity.js';

const KEY_INDEX = { name: 'PRIMARY', columns: 'processed_events.event_key' };

/**
 * Receipts of things turned into alerts (an email: integration, UID validity, UID), written in the alert's own
 * transaction: the alert and "this was received" commit together, so what is received twice (a restart between the
 * commit and flagging the message, two instances reading one mailbox) is refused by the key, never stored twice.
 * They share the inbound-event table and its retention (a week): a message is flagged long before that.
 */
export async function recordReceipts(tx: EntityManager, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  const createdAt = new Date();
  await tx.insert(
    ProcessedEventEntity,
    keys.map((key) => ({ eventKey: key.slice(0, 160), createdAt })),
  );
}

/** The error of a receipt already recorded. */
export function isDuplicateReceipt(error: unknown): boolean {
  return isUniqueViolation(error, KEY_INDEX);
}

/** Whether something with this key was already done (an email page sent under its idempotency key). */
export async function hasReceipt(manager: EntityManager, key: string): Promise<boolean> {
  return manager.existsBy(ProcessedEventEntity, { eventKey: key.slice(0, 160) });
}

/** Notes that it was done; a second note of the same key is no error. */
export async function noteReceipt(manager: EntityManager, key: string): Promise<void> {
  try {
    await recordReceipts(manager, [key]);
  } catch (error) {
    if (!isDuplicateReceipt(error)) throw error;
  }
}
