import type { IncidentStatus, Severity } from '../../domain/incident-status.js';
import { fillTemplate, loadCardTemplate } from '../../rendering/card-templates.js';
import { activityLines, countsText, respondersText, timeText, type Markup, type TimeStyle } from '../../rendering/incident-lines.js';
import { SEVERITY_LABEL, STATUS_LABEL, type IncidentView } from '../../rendering/incident-view.js';
import { capText, escapedWithin } from '../../rendering/text-caps.js';
import { encodeButtonValue } from '../../services/chat/button-value.js';
import type { SlackMessage } from './slack-api.js';
import { capSlackMessage, SLACK_LIMITS } from './slack-limits.js';
import { escapeMrkdwn } from './slack-text.js';

type Block = Record<string, any>;

const COLOR: Record<IncidentStatus, Record<Severity, string>> = {
  triggered: { critical: '#d0021b', warning: '#f5a623', info: '#4a90e2' },
  acknowledged: { critical: '#f8e71c', warning: '#f8e71c', info: '#f8e71c' },
  closed: { critical: '#7ed321', warning: '#7ed321', info: '#7ed321' },
};

/**
 * Slack's date formatting: each reader sees the time in their own zone (and 12/24-hour setting); `fallback`, the time
 * in the channel's zone, is what clients that cannot format it (notifications, old clients) show.
 */
export function slackTime(at: Date, style: TimeStyle, fallback: string): string {
  const seconds = Math.floor(at.getTime() / 1000);
  return `<!date^${seconds}^${style === 'datetime' ? '{date_num} {time}' : '{time}'}|${fallback}>`;
}

const SLACK_MARKUP: Markup = { escape: escapeMrkdwn, bold: (text: string) => `*${text}*`, time: slackTime };

/** The title in the notification text: a preview, so short. */
const FALLBACK_TITLE_LIMIT = 200;
/** Slack shows a channel's name in far less; the rest of the context line (status, severity) must stay. */
const CHANNEL_NAME_LIMIT = 100;

const ACKNOWLEDGE_ACTION_ID = 'oncall:acknowledge';


/** The incident as a Block Kit message (colour bar through an attachment), from cards/slack/*.json. */
export function renderSlackIncidentMessage(view: IncidentView): SlackMessage {
  const values = {
    id: view.id,
    // Top-level text is mrkdwn like the blocks: unescaped, a title could notify the whole channel with <!channel>.
    fallback: `#${view.id} [${STATUS_LABEL[view.status]}] ${escapedWithin(view.title.trim(), FALLBACK_TITLE_LIMIT, escapeMrkdwn)}`,
    // plain_text: Slack shows it as written, so it is not escaped (an escape would show as "&lt;").
    title: capText(view.title.trim(), SLACK_LIMITS.headerText),
    channelName: escapedWithin(view.channelName, CHANNEL_NAME_LIMIT, escapeMrkdwn),
    statusLabel: STATUS_LABEL[view.status],
    severityLabel: SEVERITY_LABEL[view.severity],
    color: COLOR[view.status][view.severity],
    counts: countsText(view),
    responders: respondersText(view, SLACK_MARKUP),
    firstSeen: timeText(view, view.firstSeenAt, 'datetime', SLACK_MARKUP),
    lastSeen: timeText(view, view.lastSeenAt, 'datetime', SLACK_MARKUP),
    description: view.description.trim() ? escapedWithin(view.description.trim(), SLACK_LIMITS.sectionText, escapeMrkdwn) : '_No description_',
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
  return capSlackMessage(message as SlackMessage);
}
