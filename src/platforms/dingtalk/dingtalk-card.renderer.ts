import type { IncidentStatus, Severity } from '../../domain/incident-status.js';
import { activityLines, countsText, respondersText, timeText, type Markup } from '../../rendering/incident-lines.js';
import { SEVERITY_LABEL, STATUS_LABEL, type IncidentView } from '../../rendering/incident-view.js';
import { capText } from '../../rendering/text-caps.js';
import type { CardParamMap } from './dingtalk-api.js';
import { DINGTALK_LIMITS } from './dingtalk-limits.js';
import { dingtalkMarkdown, escapeDingTalkMarkdown } from './dingtalk-text.js';

/** Feishu's state colours (header by status and severity; status and severity tags), as the hex DingTalk cards take. */
const COLOR = { red: '#F54A45', orange: '#FF8800', blue: '#3370FF', yellow: '#FFC60A', green: '#34C724', carmine: '#D83931' } as const;
const HEADER_COLOR: Record<IncidentStatus, Record<Severity, string>> = {
  triggered: { critical: COLOR.red, warning: COLOR.orange, info: COLOR.blue },
  acknowledged: { critical: COLOR.yellow, warning: COLOR.yellow, info: COLOR.yellow },
  closed: { critical: COLOR.green, warning: COLOR.green, info: COLOR.green },
};
const STATUS_COLOR: Record<IncidentStatus, string> = { triggered: COLOR.red, acknowledged: COLOR.orange, closed: COLOR.green };
const SEVERITY_COLOR: Record<Severity, string> = { critical: COLOR.carmine, warning: COLOR.orange, info: COLOR.blue };

/** DingTalk has no reader-local time markup: times are written in the channel's zone with its abbreviation. */
const DINGTALK_MARKUP: Markup = { escape: escapeDingTalkMarkdown, bold: (text: string) => `**${text}**` };

const flag = (on: boolean) => (on ? 'true' : 'false');

/**
 * The incident as the variables of the card template in cards/dingtalk/incident-card.json (string values only, as
 * DingTalk takes them). The buttons' callback params are bound to `id` and `escalationStep` there; Acknowledge is
 * hidden once acknowledged (the template cannot grey a button out by a variable), Reopen shows only when closed.
 */
export function renderDingTalkCardParams(view: IncidentView): CardParamMap {
  const description = view.description.trim() ? dingtalkMarkdown(view.description.trim(), DINGTALK_LIMITS.cardDescription) : '_No description_';
  return {
    id: String(view.id),
    // The template shows title and channel as plain text.
    title: capText(view.title.trim(), DINGTALK_LIMITS.cardTitle),
    channelName: capText(view.channelName, DINGTALK_LIMITS.channelName),
    headerColor: HEADER_COLOR[view.status][view.severity],
    statusLabel: STATUS_LABEL[view.status],
    statusColor: STATUS_COLOR[view.status],
    severityLabel: SEVERITY_LABEL[view.severity],
    severityColor: SEVERITY_COLOR[view.severity],
    alertCount: countsText(view),
    firstSeen: timeText(view, view.firstSeenAt, 'datetime', DINGTALK_MARKUP),
    lastSeen: timeText(view, view.lastSeenAt, 'datetime', DINGTALK_MARKUP),
    description,
    responders: respondersText(view, DINGTALK_MARKUP),
    activity: capText(activityLines(view, DINGTALK_MARKUP), DINGTALK_LIMITS.cardActivity),
    detailsUrl: view.detailsUrl,
    escalationStep: String(view.escalationStep),
    showAcknowledge: flag(view.status === 'triggered'),
    showClose: flag(view.status !== 'closed'),
    showEscalate: flag(view.status !== 'closed'),
    showReopen: flag(view.status === 'closed'),
    notice: '',
  };
}

/** A page in a group as a card of the same template: the notice text, no buttons; the @mentions go in atUserIds. */
export function renderDingTalkNoticeParams(text: string): CardParamMap {
  return {
    title: 'On-call page',
    notice: dingtalkMarkdown(text, DINGTALK_LIMITS.cardDescription),
    showAcknowledge: 'false',
    showClose: 'false',
    showEscalate: 'false',
    showReopen: 'false',
  };
}

/**
 * The template-free stand-in (no card template configured): a sampleActionCard whose one button opens the Details
 * page, where the incident is handled. Colours through DingTalk markdown's `<font color>`.
 */
export function renderDingTalkActionCard(view: IncidentView): { msgKey: 'sampleActionCard'; msgParam: Record<string, string> } {
  const title = dingtalkMarkdown(view.title.trim(), DINGTALK_LIMITS.cardTitle);
  const lines = [
    `### #${view.id} ${title}`,
    `<font color="${STATUS_COLOR[view.status]}">**${STATUS_LABEL[view.status]}**</font> · <font color="${SEVERITY_COLOR[view.severity]}">${SEVERITY_LABEL[view.severity]}</font> · ${dingtalkMarkdown(view.channelName, DINGTALK_LIMITS.channelName)}`,
    `**Received** ${countsText(view)} · **First seen** ${timeText(view, view.firstSeenAt, 'datetime', DINGTALK_MARKUP)} · **Last seen** ${timeText(view, view.lastSeenAt, 'datetime', DINGTALK_MARKUP)}`,
    view.description.trim() ? dingtalkMarkdown(view.description.trim(), DINGTALK_LIMITS.cardDescription) : '_No description_',
    `**Responders:** ${respondersText(view, DINGTALK_MARKUP)}`,
    capText(activityLines(view, DINGTALK_MARKUP), DINGTALK_LIMITS.cardActivity),
  ];
  return {
    msgKey: 'sampleActionCard',
    msgParam: {
      title: capText(`#${view.id} [${STATUS_LABEL[view.status]}] ${view.title.trim()}`, DINGTALK_LIMITS.messageTitle),
      text: capText(lines.join('\n\n'), DINGTALK_LIMITS.messageText),
      singleTitle: 'Details',
      singleURL: view.detailsUrl,
    },
  };
}
