import { AlertEntity } from './alert.entity.js';
import { ChannelEntity } from './channel.entity.js';
import { IncidentEventEntity } from './incident-event.entity.js';
import { IncidentEntity } from './incident.entity.js';
import { IntegrationEntity } from './integration.entity.js';
import { MemberEntity } from './member.entity.js';

export const allEntities = [
  ChannelEntity,
  MemberEntity,
  IntegrationEntity,
  IncidentEntity,
  AlertEntity,
  IncidentEventEntity,
];
