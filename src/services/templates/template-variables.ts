import type { TemplateEvent } from '../../domain/message-template.js';
import type { ActorType } from '../../domain/timeline.js';
import { capText } from '../../rendering/text-caps.js';

/** The event's headline, as the built-in messages start with it. */
export const EVENT_HEADLINES: Record<TemplateEvent, string> = {
  triggered: 'New incident',
  acknowledged: 'Acknowledged',
  escalated: 'Escalated',
  closed: 'Closed',
  reopened: 'Reopened',
  page: 'Escalation',
  test: 'Test message',
};

/** Alert text is cut before a template sees it: the title to a line, the description to a short excerpt. */
export const TITLE_CHARS = 200;
export const DESCRIPTION_CHARS = 1000;

/** Everything a message template can use (documented in the README's table; keep the two in step). */
export interface TemplateVariables {
  event: { name: TemplateEvent; headline: string };
  incident: {
    id: number;
    title: string;
    description: string;
    severity: string;
    status: string;
    channel: string;
    alertCount: number;
    /** In the channel's time zone: `2026-11-23 20:46 (Europe/Berlin)`. */
    firstSeen: string;
    lastSeen: string;
    /** Names of the members who acted on it, first actor first. */
    responders: string[];
    /** Of the people paged who have not acted, those no page has reached so far (every message to them failed). */
    notReached: string[];
    /** The escalation level last paged (0: none yet) and how many levels its rule has (0: no rule). */
    escalationLevel: number;
    escalationLevels: number;
    detailsUrl: string;
    /** True when this is the sample incident (a preview or a bot's test message). */
    sample: boolean;
  };
  channel: { id: number; name: string; timeZone: string };
  /** Who caused the event: a member, an integration, an admin or the system (escalation). */
  actor: { name: string; type: ActorType };
  /** Who the message @mentions (a page's level members): `mentioned` is false for those named in plain text. */
  mentions: Array<{ name: string; mentioned: boolean }>;
  /** A page's escalation level (1-based); 0 for other events. */
  level: number;
}

/** The values we make ourselves (never alert text or names): `| raw` may write these unescaped. */
export function trustedValues(variables: TemplateVariables): Set<string> {
  const { incident, event } = variables;
  return new Set(
    [event.name, event.headline, incident.id, incident.severity, incident.status, incident.alertCount, incident.firstSeen, incident.lastSeen, incident.escalationLevel, incident.escalationLevels, incident.detailsUrl, variables.level, variables.channel.id, variables.channel.timeZone]
      .map(String)
      .filter(Boolean),
  );
}

/** Untrusted alert text as a template gets it: cut (escaping happens on output). */
export function alertTexts(title: string, description: string): { title: string; description: string } {
  return { title: capText(title.replace(/[\r\n\t\u2028\u2029]+/g, ' ').trim(), TITLE_CHARS), description: capText(description, DESCRIPTION_CHARS) };
}
