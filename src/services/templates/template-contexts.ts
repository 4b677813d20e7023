import type { Database } from '../../db/database.js';
import { ChannelEntity, type Channel } from '../../db/entities/channel.entity.js';
import { IncidentEventEntity } from '../../db/entities/incident-event.entity.js';
import type { TemplateEvent } from '../../domain/message-template.js';
import type { TimelineKind } from '../../domain/timeline.js';
import { AppError } from '../../lib/errors.js';
import { formatTimeIn } from '../../rendering/incident-view.js';
import type { IncidentViewService } from '../incidents/incident-view.service.js';
import type { BotMention } from '../ports/webhook-bots.js';
import { alertTexts, EVENT_HEADLINES, type TemplateVariables } from './template-variables.js';

export interface IncidentMessageAbout {
  incidentId: number;
  channelId: number;
  event: TemplateEvent;
  mentions?: BotMention[];
  /** A page's escalation level. */
  level?: number;
}

/** The timeline entry whose actor is the event's actor. */
const ACTED: Partial<Record<TemplateEvent, TimelineKind>> = {
  triggered: 'triggered',
  acknowledged: 'acknowledged',
  escalated: 'escalated',
  closed: 'closed',
  reopened: 'reopened',
};

const SAMPLE_TIME = new Date('2026-01-15T08:30:00Z');

/** Builds templates' variables: from a real incident, or the sample one (previews, bots' test messages). */
export class TemplateContexts {
  constructor(
    private readonly db: Database,
    private readonly views: IncidentViewService,
  ) {}

  async forIncident(about: IncidentMessageAbout): Promise<TemplateVariables> {
    const [view, channel, acted] = await Promise.all([
      this.views.build(about.incidentId),
      this.channel(about.channelId),
      ACTED[about.event] ? this.db.manager.findOne(IncidentEventEntity, { where: { incidentId: about.incidentId, kind: ACTED[about.event] }, order: { id: 'DESC' } }) : null,
    ]);
    const texts = alertTexts(view.title, view.description);
    return {
      event: { name: about.event, headline: EVENT_HEADLINES[about.event] },
      incident: {
        id: view.id,
        title: texts.title,
        description: texts.description,
        severity: view.severity,
        status: view.status,
        channel: view.channelName,
        alertCount: view.alertCount,
        firstSeen: formatTimeIn(view.firstSeenAt, channel.timeZone),
        lastSeen: formatTimeIn(view.lastSeenAt, channel.timeZone),
        responders: view.responders.map((responder) => responder.name),
        notReached: view.responders.filter((responder) => responder.role === 'not_reached').map((responder) => responder.name),
        escalationLevel: view.escalation?.level ?? 0,
        escalationLevels: view.escalation?.levels ?? 0,
        detailsUrl: view.detailsUrl,
        sample: false,
      },
      channel: { id: channel.id, name: channel.name, timeZone: channel.timeZone },
      actor: acted ? { name: acted.actorName, type: acted.actorType } : { name: 'oncall-im', type: 'system' },
      mentions: (about.mentions ?? []).map((mention) => ({ name: mention.name, mentioned: Boolean(mention.id) })),
      level: about.level ?? 0,
    };
  }

  /** A made-up incident in the channel, for previews and test messages: every variable has a value. */
  async sample(channelId: number, event: TemplateEvent, mentions: BotMention[] = []): Promise<TemplateVariables> {
    return sampleVariables(await this.channel(channelId), event, mentions);
  }

  private async channel(channelId: number): Promise<Channel> {
    const channel = await this.db.manager.findOneBy(ChannelEntity, { id: channelId });
    if (!channel) throw new AppError('not_found', `channel ${channelId} does not exist`);
    return channel;
  }
}

export function sampleVariables(channel: Pick<Channel, 'id' | 'name' | 'timeZone'>, event: TemplateEvent, mentions: BotMention[] = []): TemplateVariables {
  return {
    event: { name: event, headline: EVENT_HEADLINES[event] },
    incident: {
      id: 0,
      title: 'Sample: disk usage above 90% on db-1',
      description: 'Sample alert text: /var/lib/mysql is 93% full.',
      severity: 'critical',
      status: event === 'acknowledged' ? 'acknowledged' : event === 'closed' ? 'closed' : 'triggered',
      channel: channel.name,
      alertCount: 3,
      firstSeen: formatTimeIn(SAMPLE_TIME, channel.timeZone),
      lastSeen: formatTimeIn(new Date(SAMPLE_TIME.getTime() + 10 * 60_000), channel.timeZone),
      responders: event === 'acknowledged' || event === 'closed' ? ['Sample Responder'] : [],
      notReached: [],
      escalationLevel: event === 'page' || event === 'escalated' ? 1 : 0,
      escalationLevels: 2,
      detailsUrl: 'https://oncall.example/incidents/0',
      sample: true,
    },
    channel: { id: channel.id, name: channel.name, timeZone: channel.timeZone },
    actor: event === 'test' ? { name: 'admin', type: 'admin' } : { name: 'Sample Responder', type: 'member' },
    mentions: mentions.length ? mentions.map((mention) => ({ name: mention.name, mentioned: Boolean(mention.id) })) : event === 'page' ? [{ name: 'Sample Responder', mentioned: true }] : [],
    level: event === 'page' ? 1 : 0,
  };
}
