import { AgendaJobEntity } from './agenda-job.entity.js';
import { AlertEntity } from './alert.entity.js';
import { ChatBindingEntity } from './chat-binding.entity.js';
import { ChatMessageEntity } from './chat-message.entity.js';
import { EscalationRuleEntity } from './escalation-rule.entity.js';
import { ImAlternateMappingEntity } from './im-alternate-mapping.entity.js';
import { ImIdentityEntity } from './im-identity.entity.js';
import { ImLinkBlockEntity } from './im-link-block.entity.js';
import { LinkCodeEntity } from './link-code.entity.js';
import { ProcessedEventEntity } from './processed-event.entity.js';
import { ChannelEntity } from './channel.entity.js';
import { IncidentEventEntity } from './incident-event.entity.js';
import { IncidentEntity } from './incident.entity.js';
import { IntegrationEntity } from './integration.entity.js';
import { MemberEntity } from './member.entity.js';
import { WebhookBotEntity } from './webhook-bot.entity.js';
import { BotDeliveryEntity } from './bot-delivery.entity.js';
import { IntegrationHealthEntity } from './integration-health.entity.js';
import { AccountSettingsEntity } from './account-settings.entity.js';
import { BotMappingRowEntity, BotMappingTableEntity } from './bot-mapping.entity.js';
import { MessageTemplateEntity } from './message-template.entity.js';
import { ConsoleSessionEntity } from './console-session.entity.js';

export const allEntities = [
  ChannelEntity,
  MemberEntity,
  IntegrationEntity,
  IncidentEntity,
  AlertEntity,
  IncidentEventEntity,
  ChatBindingEntity,
  ChatMessageEntity,
  ImIdentityEntity,
  ImAlternateMappingEntity,
  ImLinkBlockEntity,
  LinkCodeEntity,
  ProcessedEventEntity,
  EscalationRuleEntity,
  AgendaJobEntity,
  WebhookBotEntity,
  BotDeliveryEntity,
  BotMappingTableEntity,
  BotMappingRowEntity,
  MessageTemplateEntity,
  ConsoleSessionEntity,
  IntegrationHealthEntity,
  AccountSettingsEntity,
];
