import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';
import { ChatPlatforms1764100000000 } from './1764100000000-chat-platforms.js';
import { Escalation1764200000000 } from './1764200000000-escalation.js';
import { AgendaJobs1764300000000 } from './1764300000000-agenda-jobs.js';
import { IdentityAlternateIds1764400000000 } from './1764400000000-identity-alternate-ids.js';
import { EscalationDelivery1764500000000 } from './1764500000000-escalation-delivery.js';
import { ChannelNamesIgnoreCase1764600000000 } from './1764600000000-channel-names-ignore-case.js';
import { IntegrationSettings1764700000000 } from './1764700000000-integration-settings.js';
import { EscalationRetries1764720000000 } from './1764720000000-escalation-retries.js';
import { WebhookBots1764800000000 } from './1764800000000-webhook-bots.js';
import { BotMappingTables1764810000000 } from './1764810000000-bot-mapping-tables.js';
import { MessageTemplates1764910000000 } from './1764910000000-message-templates.js';
import { PagedResponders1764950000000 } from './1764950000000-paged-responders.js';
import { AlertLinks1764930000000 } from './1764930000000-alert-links.js';
import { ConsoleSessions1764940000000 } from './1764940000000-console-sessions.js';
import { Email1764920000000 } from './1764920000000-email.js';
import { ImLinkBlocks1764964000000 } from './1764964000000-im-link-blocks.js';
import { PagedReach1764965000000 } from './1764965000000-paged-reach.js';

/** Every migration, oldest first. Listed explicitly so the ESM build needs no glob loading. */
export const allMigrations = [
  InitialSchema1764000000000,
  ChatPlatforms1764100000000,
  Escalation1764200000000,
  AgendaJobs1764300000000,
  IdentityAlternateIds1764400000000,
  EscalationDelivery1764500000000,
  ChannelNamesIgnoreCase1764600000000,
  IntegrationSettings1764700000000,
  EscalationRetries1764720000000,
  WebhookBots1764800000000,
  BotMappingTables1764810000000,
  MessageTemplates1764910000000,
  Email1764920000000,
  AlertLinks1764930000000,
  ConsoleSessions1764940000000,
  PagedResponders1764950000000,
  ImLinkBlocks1764964000000,
  PagedReach1764965000000,
];
