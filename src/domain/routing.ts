import type { InboundMessage, RoutingRule } from './integration-settings.js';
import { allConditionsHold } from './message-matchers.js';

/** First route whose conditions hold, else the default channel. */
export function routeMessage(routes: RoutingRule[], defaultChannelId: number, message: InboundMessage): number {
  return routes.find((route) => allConditionsHold(message, route.conditions))?.channelId ?? defaultChannelId;
}
