import type { ImapFlow } from 'imapflow';
import type { EmailSettings } from './email-settings.js';

/** Sources fetched together are held in memory together: at most this many bytes per fetch. */
const BYTES_PER_ROUND = 20 * 1024 * 1024;

export interface SizedMessage {
  uid: number;
  size: number;
}

/** Splits messages into groups whose sources together stay under BYTES_PER_ROUND. */
export function byteBudget<T extends SizedMessage>(messages: T[]): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const message of messages) {
    if (current.length > 0 && bytes + message.size > BYTES_PER_ROUND) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += message.size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** Marks messages whose alerts are stored as processed: seen, or seen and moved to the processed folder. */
export async function markProcessed(client: ImapFlow, uids: number[], settings: EmailSettings): Promise<void> {
  const folder = settings.processedFolder;
  if (settings.processedAction === 'move' && folder) {
    // Seen first, so the moved copy arrives seen.
    await client.messageFlagsAdd(uids, ['\\Seen'], { uid: true });
    let moved = await client.messageMove(uids, folder, { uid: true }).catch(() => false as const);
    if (!moved) {
      // Most often the folder does not exist yet: made once, then the move again.
      await client.mailboxCreate(folder).catch(() => undefined);
      moved = await client.messageMove(uids, folder, { uid: true }).catch(() => false as const);
    }
    if (!moved) {
      // Left unseen, so the next check tries again (their receipts keep them from becoming alerts twice).
      await client.messageFlagsRemove(uids, ['\\Seen'], { uid: true });
      throw new Error(`processed messages could not be moved to folder "${folder}"`);
    }
  } else {
    await client.messageFlagsAdd(uids, ['\\Seen'], { uid: true });
  }
}
