import { AlertEntity, type Alert } from '../../db/entities/alert.entity.js';
import { ChannelEntity, type Channel } from '../../db/entities/channel.entity.js';
import { ChatBindingEntity } from '../../db/entities/chat-binding.entity.js';
import { ChatMessageEntity } from '../../db/entities/chat-message.entity.js';
import { IncidentEventEntity, type IncidentEvent } from '../../db/entities/incident-event.entity.js';
import { IncidentEntity, type Incident } from '../../db/entities/incident.entity.js';
import type { Database } from '../../db/database.js';
import type { EscalationView } from '../../rendering/incident-view.js';
import type { DestinationRegistry } from '../registry/destination-registry.js';
import { escalationView, notReachedOf } from './incident-view.service.js';

/** A page for a phone: the newest this many timeline entries and alerts are shown, and how many more there are. */
export const DETAILS_TIMELINE_LIMIT = 300;
export const DETAILS_ALERT_LIMIT = 20;

export interface ChatPlace {
  platform: string;
  chatName: string;
  /** Opens the chat, where the platform has such a link. */
  url?: string;
  /** The incident's card was posted there. */
  hasCard: boolean;
}

/** Everything the Details page shows about one incident. */
export interface IncidentDetails {
  incident: Incident;
  channel: Pick<Channel, 'id' | 'name' | 'timeZone'> | null;
  /** Newest first, at most DETAILS_ALERT_LIMIT; `alertTotal` counts them all. */
  alerts: Alert[];
  alertTotal: number;
  /** Oldest first: the newest DETAILS_TIMELINE_LIMIT entries; `timelineTotal` counts them all. */
  timeline: IncidentEvent[];
  timelineTotal: number;
  chats: ChatPlace[];
  /**
   * Who acted (members, in order of first action) and who was paged (in order of first page); of those paged, who no
   * page has reached (so far).
   */
  responders: { acted: string[]; paged: string[]; notReached: string[] };
  escalation?: EscalationView;
}

/** Reads what the Details page shows; undefined when the incident does not exist. */
export class IncidentDetailsService {
  constructor(
    private readonly db: Database,
    private readonly destinations: DestinationRegistry,
  ) {}

  async read(incidentId: number): Promise<IncidentDetails | undefined> {
    const manager = this.db.manager;
    const incident = await manager.findOneBy(IncidentEntity, { id: incidentId });
    if (!incident) return undefined;
    const [channel, alerts, alertTotal, newestEvents, timelineTotal, bindings, messages] = await Promise.all([
      manager.findOne(ChannelEntity, { where: { id: incident.channelId }, select: { id: true, name: true, timeZone: true } }),
      manager.find(AlertEntity, { where: { incidentId }, order: { id: 'DESC' }, take: DETAILS_ALERT_LIMIT }),
      manager.countBy(AlertEntity, { incidentId }),
      manager.find(IncidentEventEntity, { where: { incidentId }, order: { id: 'DESC' }, take: DETAILS_TIMELINE_LIMIT }),
      manager.countBy(IncidentEventEntity, { incidentId }),
      manager.findBy(ChatBindingEntity, { channelId: incident.channelId }),
      manager.findBy(ChatMessageEntity, { incidentId }),
    ]);
    const timeline = newestEvents.reverse();
    const responders = respondersOf(timeline, incident);
    const chats = bindings.map((binding) => {
      const url = this.destinations.capability(binding.platform, 'cards')?.chatUrl?.(binding.chatId);
      const hasCard = messages.some((message) => message.platform === binding.platform && message.chatId === binding.chatId && message.messageId !== null);
      return { platform: binding.platform, chatName: binding.chatName || binding.chatId, hasCard, ...(url ? { url } : {}) };
    });
    return {
      incident,
      channel,
      alerts,
      alertTotal,
      timeline,
      timelineTotal,
      chats,
      responders,
      escalation: escalationView(incident, new Set(responders.acted)),
    };
  }
}

function respondersOf(timeline: IncidentEvent[], incident: Incident): IncidentDetails['responders'] {
  const acted = new Set(timeline.filter((entry) => entry.actorType === 'member').map((entry) => entry.actorName));
  // The incident keeps everyone paged; incidents paged before it did are read from their escalation entries.
  const paged = new Set<string>([...(incident.pagedResponders ?? []), ...(incident.escalationPaged ?? [])]);
  if (!incident.pagedResponders) {
    for (const entry of timeline) {
      const names = entry.kind === 'escalated' && typeof entry.detail?.paged === 'string' ? entry.detail.paged : '';
      for (const name of names.split(', ')) if (name.trim()) paged.add(name.trim());
    }
  }
  // Someone who acted on the incident got word of it, whatever became of their pages.
  return { acted: [...acted], paged: [...paged], notReached: notReachedOf([...paged], incident.pagedReach).filter((name) => !acted.has(name)) };
}
