/** How an integration's alert descriptions are kept and later rendered. */
export type MessageFormat = 'text' | 'markdown';

export type PushMode = 'always_new' | 'by_title' | 'by_rules';

export type MatchField = 'title' | 'content' | 'any';
export type MatchOperator = 'contains' | 'regex';

/** One test on an inbound message. `regex` values may be written `/pattern/flags`. */
export interface MessageCondition {
  field: MatchField;
  op: MatchOperator;
  value: string;
}

export interface PushRule {
  action: 'trigger' | 'close';
  /** All must hold; an empty list matches every message. */
  conditions: MessageCondition[];
  /** Where the Alert Key is extracted from, and how (first capture group, else the whole match). */
  keyField: 'title' | 'content';
  keyRegex?: string;
}

export interface RoutingRule {
  conditions: MessageCondition[];
  channelId: number;
}

/** A link an alert carried next to its text ("Open in Grafana"); http(s) and mailto only. */
export interface AlertLink {
  text: string;
  url: string;
}

/** What an inbound message says, once its protocol is peeled off. */
export interface InboundMessage {
  title: string;
  content: string;
  /** Links the sender attached (card buttons, post link tags), when the protocol has such things. */
  links?: AlertLink[];
}
