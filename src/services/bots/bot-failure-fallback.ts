import type { BotDelivery } from '../../db/entities/bot-delivery.entity.js';
import type { WebhookBot } from '../../db/entities/webhook-bot.entity.js';

/**
 * Told when a bot message failed for good (its retries exhausted, or a failure that retrying can't fix), besides the
 * record and the bot's health. BotContactFallback (the IM-failure fallback) implements it.
 */
export interface BotFailureFallback {
  deliveryFailed(bot: WebhookBot, delivery: BotDelivery): Promise<void>;
}

export const noBotFailureFallback: BotFailureFallback = {
  deliveryFailed: async () => undefined,
};
