import type { BotEvent, BotKindName } from '../../domain/bot-kind-name.js';
import type { TemplateEvent } from '../../domain/message-template.js';
import type { BotMention, BotNotice, BotNoticeItem } from '../ports/webhook-bots.js';
import { EVENT_HEADLINES } from '../templates/template-variables.js';

/** What a bot message says about an incident (untrusted texts: each bot kind escapes and caps them). */
export interface BotIncidentFacts {
  incidentId: number;
  title: string;
  severity: string;
  status: string;
  channelName: string;
  detailsUrl: string;
}

/** One bot message to write: for which kind of bot on which channel, about which event. */
export interface BotMessageRequest {
  kind: BotKindName;
  channelId: number;
  event: TemplateEvent;
  /** The incident's facts (for a test message: only the channel's name). */
  facts: BotIncidentFacts;
  mentions: BotMention[];
  /** A page's escalation level. */
  level?: number;
}

/**
 * Where a bot message's content comes from: the channel's message templates (TemplateBotMessages), falling back to
 * the plain built-in text below when even those can't be rendered.
 */
export interface BotMessages {
  notice(request: BotMessageRequest): Promise<BotNotice>;
  /** One line of a digest, when several notices for a bot are coalesced into one message. */
  item(event: BotEvent, facts: BotIncidentFacts): BotNoticeItem;
  /** The digest's own title. */
  digestTitle(count: number, channelName: string): string;
}

/** The plain built-in text per event: title, severity, status, channel and a link to the Details page. */
export const builtInBotMessages: BotMessages = {
  async notice({ event, facts, mentions, level }) {
    if (event === 'test') {
      return { title: 'Test message from oncall-im', lines: [`Channel: ${facts.channelName}`, 'This bot will receive notifications of this channel.'], mentions };
    }
    return {
      title: `[${EVENT_HEADLINES[event]}] #${facts.incidentId} ${facts.title}`,
      lines: [...(event === 'page' ? [`Escalation level ${level ?? 0}: still ${facts.status}`] : []), `Severity: ${facts.severity}`, `Status: ${facts.status}`, `Channel: ${facts.channelName}`],
      link: { text: 'Details', url: facts.detailsUrl },
      mentions,
    };
  },
  item(event, facts) {
    return { text: `[${EVENT_HEADLINES[event]}] #${facts.incidentId} ${facts.title} (${facts.severity}, ${facts.status})`, url: facts.detailsUrl };
  },
  digestTitle(count, channelName) {
    return `${count} incident updates in ${channelName}`;
  },
};
