import { DEFAULT_DETAILS_LINK_TTL_MS, type AppConfig } from '../config/config.js';
import type { Database } from '../db/database.js';
import { LocalHolds, type KeyedHolds } from '../lib/holds.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import { BotDeliveries } from '../services/bots/bot-deliveries.js';
import { BotPager } from '../services/bots/bot-pager.js';
import { BotMappingTableService } from '../services/bots/bot-mapping-tables.service.js';
import { BotSubscriptions } from '../services/bots/bot-subscriptions.js';
import { ChannelsWithBots } from '../services/bots/channels-with-bots.js';
import { WebhookBotService } from '../services/bots/webhook-bot.service.js';
import type { WebhookBotSending } from '../services/ports/webhook-bots.js';
import { ChannelService } from '../services/catalog/channel.service.js';
import { IntegrationService } from '../services/catalog/integration.service.js';
import { MemberService } from '../services/catalog/member.service.js';
import { CardSyncService } from '../services/chat/card-sync.service.js';
import { ChatBindingService } from '../services/chat/chat-binding.service.js';
import { ChatInteractionService } from '../services/chat/chat-interaction.service.js';
import { ChannelsWithRules } from '../services/escalation/channels-with-rules.js';
import { EscalationNotifier } from '../services/escalation/escalation-notifier.js';
import { EscalationDryRun } from '../services/escalation/escalation-dry-run.js';
import { EscalationRuleService } from '../services/escalation/escalation-rule.service.js';
import { EscalationService } from '../services/escalation/escalation.service.js';
import { IdentityService } from '../services/identity/identity.service.js';
import { MemberLinkHealth } from '../services/identity/member-link-health.js';
import { AlertIngestService } from '../services/incidents/alert-ingest.service.js';
import { IncidentChangeFeed } from '../services/incidents/incident-change-feed.js';
import { IncidentDetailsService } from '../services/incidents/incident-details.service.js';
import { IncidentLinks } from '../services/incidents/incident-links.js';
import { IncidentViewService } from '../services/incidents/incident-view.service.js';
import { IncidentService } from '../services/incidents/incident.service.js';
import type { DestinationRegistry } from '../services/registry/destination-registry.js';
import { TemplateBotMessages } from '../services/bots/template-bot-messages.js';
import { BuiltInTemplates } from '../services/templates/built-in-templates.js';
import { TemplateEmailMessages } from '../services/templates/template-email-messages.js';
import { MessageTemplateRenderer } from '../services/templates/message-template-renderer.js';
import { MessageTemplateService } from '../services/templates/message-templates.service.js';
import { TemplateContexts } from '../services/templates/template-contexts.js';
import { templateMarkups } from '../services/templates/template-markups.js';
import { TemplateSandbox } from '../services/templates/template-sandbox.js';
import { AccountSettingsService } from '../services/catalog/account-settings.service.js';
import { IntegrationHealthService } from '../services/catalog/integration-health.service.js';
import { AdminNotifier } from '../services/email/admin-notifier.js';
import { TemplateEmailPages } from '../services/templates/template-email-pages.js';
import { EmailOutbox } from '../services/email/email-outbox.js';
import { IncomingErrorThresholds } from '../services/email/incoming-error-thresholds.js';
import type { Integration } from '../db/entities/integration.entity.js';
import type { EmailSending } from '../services/ports/email.js';
import { BotContactFallback } from '../services/contact/bot-contact-fallback.js';
import { ContactFallback } from '../services/contact/contact-fallback.js';
import { EmailContactProvider } from '../services/email/email-contact.provider.js';

export interface Services {
  channels: ChannelService;
  members: MemberService;
  integrations: IntegrationService;
  incidents: IncidentService;
  ingest: AlertIngestService;
  changes: IncidentChangeFeed;
  bindings: ChatBindingService;
  identities: IdentityService;
  views: IncidentViewService;
  cards: CardSyncService;
  interactions: ChatInteractionService;
  escalations: EscalationService;
  escalationRules: EscalationRuleService;
  escalationDryRun: EscalationDryRun;
  memberLinkHealth: MemberLinkHealth;
  links: IncidentLinks;
  incidentDetails: IncidentDetailsService;
  bots: WebhookBotService;
  botMappings: BotMappingTableService;
  botDeliveries: BotDeliveries;
  templates: MessageTemplateService;
  /** Subject, text and HTML of an incident's email from the channel's templates (for the email destination). */
  emailTemplates: TemplateEmailMessages;
  health: IntegrationHealthService;
  accountSettings: AccountSettingsService;
  outbox: EmailOutbox;
  incomingErrors: IncomingErrorThresholds;
}

/** Email out: how mail is sent, and which integration is the default sender (the email type knows its settings). */
export interface EmailWiring {
  sending: EmailSending;
  isDefaultSender(integration: Integration): boolean;
}

/** The services over one database, reaching people through the registered destinations; wired to the change feed. */
export function initServices(
  config: AppConfig,
  db: Database,
  destinations: DestinationRegistry,
  botSending: WebhookBotSending,
  adminToken: string,
  detailsLinkKey: string,
  logger: Logger,
  metrics: Metrics,
  email: EmailWiring,
  /** Where a message template stopped by a limit is noted as skipped: shared by the instances with Redis. */
  templateSkips: KeyedHolds = new LocalHolds(),
): Services {
  const changes = new IncidentChangeFeed(logger);
  const integrations = new IntegrationService(db);
  const health = new IntegrationHealthService(db);
  const accountSettings = new AccountSettingsService(db);
  const outbox = new EmailOutbox(integrations, health, email.sending, email.isDefaultSender);
  const incidents = new IncidentService(db, changes);
  const links = new IncidentLinks(config.publicBaseUrl, {
    current: detailsLinkKey,
    previous: config.detailsLinks?.previous,
    legacyAdminToken: adminToken,
    ttlAfterCloseMs: config.detailsLinks?.ttlAfterCloseMs ?? DEFAULT_DETAILS_LINK_TTL_MS,
  });
  const views = new IncidentViewService(db, links);
  const identities = new IdentityService(db, destinations, logger);
  const bindings = new ChatBindingService(db);
  const channelsWithRules = new ChannelsWithRules(db);
  const botMappings = new BotMappingTableService(db);
  const channelsWithBots = new ChannelsWithBots(db);
  const sandbox = new TemplateSandbox();
  const builtInTemplates = new BuiltInTemplates();
  const templateRenderer = new MessageTemplateRenderer(db, sandbox, builtInTemplates, templateMarkups(botSending), logger, templateSkips);
  const templateContexts = new TemplateContexts(db, views);
  const templates = new MessageTemplateService(db, sandbox, templateRenderer, templateContexts, builtInTemplates);
  const botMessages = new TemplateBotMessages(templateRenderer, templateContexts, logger);
  const emailTemplates = new TemplateEmailMessages(templateRenderer, templateContexts, logger);
  const emailMessages = new TemplateEmailPages(emailTemplates, logger);
  const adminNotifier = new AdminNotifier(db, destinations, outbox, emailMessages, logger);
  const emailContact = new EmailContactProvider(outbox, emailMessages);
  // Ordered contact methods per member: a new method (SMS, voice) is one more provider here.
  const contactFallback = new ContactFallback(db, [emailContact], logger);
  const botDeliveries = new BotDeliveries(db, botSending, new BotContactFallback(db, contactFallback, links), logger, config.botRetry, botMessages);
  const notifier = new EscalationNotifier(db, destinations, identities, logger, metrics, new BotPager(db, botDeliveries, botMappings, botMessages), {
    email: emailContact,
    fallback: contactFallback,
  });
  const escalations = new EscalationService(db, notifier, links, changes, channelsWithRules, logger, metrics, config.escalationRedeliveryMs);
  const services: Services = {
    channels: new ChannelService(db),
    members: new MemberService(db),
    integrations,
    incidents,
    ingest: new AlertIngestService(db, changes),
    changes,
    bindings,
    identities,
    views,
    cards: new CardSyncService(db, views, destinations, logger, metrics, config.cardRedelivery),
    interactions: new ChatInteractionService(db, incidents, views, identities, bindings, destinations, escalations, metrics),
    escalations,
    escalationRules: new EscalationRuleService(db, channelsWithRules),
    escalationDryRun: new EscalationDryRun(db, notifier),
    memberLinkHealth: new MemberLinkHealth(db, destinations, identities),
    links,
    incidentDetails: new IncidentDetailsService(db, destinations),
    bots: new WebhookBotService(db, botSending, botDeliveries, channelsWithBots, botMessages, templates),
    botMappings,
    botDeliveries,
    templates,
    emailTemplates,
    health,
    accountSettings,
    outbox,
    incomingErrors: new IncomingErrorThresholds(health, integrations, accountSettings, adminNotifier, logger),
  };
  services.cards.attach(changes);
  escalations.attach(changes);
  new BotSubscriptions(db, botDeliveries, links, channelsWithBots, logger, botMessages).attach(changes);
  return services;
}
