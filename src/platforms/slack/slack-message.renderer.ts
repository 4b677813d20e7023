import type { IncidentStatus, Severity } from '../../domain/incident-status.js';
import { fillTemplate, loadCardTemplate } from '../../rendering/card-templates.js';
import { activityLines } from '../../rendering/incident-lines.js';
import { excerpt, formatTime, SEVERITY_LABEL, STATUS_LABEL, type IncidentView } from '../../rendering/incident-view.js';
import { encodeButtonValue } from '../../services/chat/button-value.js';
import type { SlackMessage } from './slack-api.js';

type Block = Record<string, any>;

const COLOR: Record<IncidentStatus, Record<Severity, string>> = {
  triggered: { critical: '#d0021b', warning: '#f5a623', info: '#4a90e2' },
  acknowledged: { critical: '#f8e71c', warning: '#f8e71c', info: '#f8e71c' },
  closed: { critical: '#7ed321', warning: '#7ed321', info: '#7ed321' },
};

/** Slack's three control characters: escaping them also keeps alert text from forming <!channel> or <@U…> mentions. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const SLACK_MARKUP = { escape: escapeMrkdwn, bold: (text: string) => `*${text}*` };

/** Slack refuses a section whose text is over 3000 characters, counted after escaping. */
const SECTION_TEXT_LIMIT = 3000;

function escapedWithin(text: string, limit: number): string {
  let length = limit;
  let escaped = escapeMrkdwn(excerpt(text, length));
  while (escaped.length > limit) {
    length = Math.floor(length * 0.8);
    escaped = escapeMrkdwn(excerpt(text, length));
  }
  return escaped;
}

const ACKNOWLEDGE_ACTION_ID = 'oncall:acknowledge';


/** The incident as a Block Kit message (colour bar through an attachment), from cards/slack/*.json. */
export function renderSlackIncidentMessage(view: IncidentView): SlackMessage {
  const values = {
    id: view.id,
    fallback: `#${view.id} [${STATUS_LABEL[view.status]}] ${excerpt(view.title, 200)}`,
    title: excerpt(view.title, 150),
    channelName: escapeMrkdwn(view.channelName),
    statusLabel: STATUS_LABEL[view.status],
    severityLabel: SEVERITY_LABEL[view.severity],
    color: COLOR[view.status][view.severity],
    alertCount: view.alertCount,
    responders: view.responders.length ? view.responders.map(escapeMrkdwn).join(', ') : '—',
    firstSeen: formatTime(view.firstSeenAt),
    lastSeen: formatTime(view.lastSeenAt),
    description: view.description.trim() ? escapedWithin(view.description, SECTION_TEXT_LIMIT) : '_No description_',
    activity: activityLines(view, SLACK_MARKUP),
    detailsUrl: view.detailsUrl,
    acknowledgeValue: encodeButtonValue({ action: 'acknowledge', incidentId: view.id }),
    closeValue: encodeButtonValue({ action: 'close', incidentId: view.id }),
    escalateValue: encodeButtonValue({ action: 'escalate', incidentId: view.id, step: view.escalationStep }),
    reopenValue: encodeButtonValue({ action: 'reopen', incidentId: view.id }),
  };
  const message = fillTemplate(loadCardTemplate('slack/incident.json') as Block, values);
  const actions = fillTemplate(loadCardTemplate(view.status === 'closed' ? 'slack/actions-closed.json' : 'slack/actions-open.json') as Block, values);
  // Slack buttons cannot be disabled (Feishu's card greys Acknowledge out): once acknowledged, the button goes.
  if (view.status === 'acknowledged') actions.elements = (actions.elements as Block[]).filter((element) => element.action_id !== ACKNOWLEDGE_ACTION_ID);
  const attachment = message.attachments[0];
  attachment.blocks = (attachment.blocks as Block[]).map((block) => (block.type === '__actions__' ? actions : block));
  return message as SlackMessage;
}
