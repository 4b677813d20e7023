import type { WebhookBot } from '../../db/entities/webhook-bot.entity.js';
import type { BotNotice, BotNoticeItem } from '../ports/webhook-bots.js';

/** A notice waiting for its bot: alone it is sent as it is; with others it becomes one item of a digest. */
export interface QueuedNotice {
  bot: WebhookBot;
  notice: BotNotice;
  item: BotNoticeItem;
  channelName: string;
  deliveryId: number;
}

/**
 * The notices waiting for each bot. The bot's turn (after its pacing) takes everything that queued up meanwhile, up
 * to what one message of its kind holds: a storm costs a few digests, not one message per incident, and nothing is
 * dropped — what doesn't fit waits for the next turn.
 */
export class BotNoticeQueue {
  private readonly waiting = new Map<number, QueuedNotice[]>();

  push(entry: QueuedNotice): void {
    const queue = this.waiting.get(entry.bot.id);
    if (queue) queue.push(entry);
    else this.waiting.set(entry.bot.id, [entry]);
  }

  peek(botId: number): QueuedNotice | undefined {
    return this.waiting.get(botId)?.[0];
  }

  /** The oldest `count` waiting, left in the queue. */
  first(botId: number, count: number): QueuedNotice[] {
    return (this.waiting.get(botId) ?? []).slice(0, count);
  }

  size(botId: number): number {
    return this.waiting.get(botId)?.length ?? 0;
  }

  /** The next batch for the bot, oldest first, at most `max`. */
  take(botId: number, max: number): QueuedNotice[] {
    const queue = this.waiting.get(botId) ?? [];
    const batch = queue.splice(0, Math.max(1, max));
    if (queue.length === 0) this.waiting.delete(botId);
    return batch;
  }
}

/** One notice alone; several as a digest of their items. */
export function batchNotice(batch: QueuedNotice[], digestTitle: (count: number, channelName: string) => string): BotNotice {
  if (batch.length === 1) return batch[0].notice;
  return { title: digestTitle(batch.length, batch[0].channelName), lines: [], items: batch.map((entry) => entry.item), mentions: [] };
}
