import type { BotEvent } from '../../domain/bot-kind-name.js';
import type { BotMention, BotNotice, BotNoticeItem } from '../ports/webhook-bots.js';

/** What a bot message says about an incident (untrusted texts: each bot kind escapes and caps them). */
export interface BotIncidentFacts {
  incidentId: number;
  title: string;
  severity: string;
  status: string;
  channelName: string;
  detailsUrl: string;
}

/**
 * Where a bot message's content comes from. The built-in text below for now; per-channel templates (LiquidJS, issue
 * 11) are meant to implement this same interface and fall back to it when a template fails.
 */
export interface BotMessages {
  notice(event: BotEvent | 'test' | 'page', facts: BotIncidentFacts, mentions: BotMention[], extra?: string): BotNotice;
  /** One line of a digest, when several notices for a bot are coalesced into one message. */
  item(event: BotEvent, facts: BotIncidentFacts): BotNoticeItem;
  /** The digest's own title. */
  digestTitle(count: number, channelName: string): string;
}

const HEADLINES: Record<BotEvent | 'page', string> = {
  triggered: 'New incident',
  acknowledged: 'Acknowledged',
  escalated: 'Escalated',
  closed: 'Closed',
  reopened: 'Reopened',
  page: 'Escalation',
};

/** The plain built-in text per event: title, severity, status, channel and a link to the Details page. */
export const builtInBotMessages: BotMessages = {
  notice(event, facts, mentions, extra) {
    if (event === 'test') {
      return { title: 'Test message from oncall-im', lines: [`Channel: ${facts.channelName}`, 'This bot will receive notifications of this channel.'], mentions };
    }
    return {
      title: `[${HEADLINES[event]}] #${facts.incidentId} ${facts.title}`,
      lines: [...(extra ? [extra] : []), `Severity: ${facts.severity}`, `Status: ${facts.status}`, `Channel: ${facts.channelName}`],
      link: { text: 'Details', url: facts.detailsUrl },
      mentions,
    };
  },
  item(event, facts) {
    return { text: `[${HEADLINES[event]}] #${facts.incidentId} ${facts.title} (${facts.severity}, ${facts.status})`, url: facts.detailsUrl };
  },
  digestTitle(count, channelName) {
    return `${count} incident updates in ${channelName}`;
  },
};
