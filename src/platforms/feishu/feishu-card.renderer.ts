import type { IncidentStatus, Severity } from '../../domain/incident-status.js';
import { loadCardTemplate, fillTemplate } from '../../rendering/card-templates.js';
import { activityLines, countsText, respondersText, timeText, type Markup, type TimeStyle } from '../../rendering/incident-lines.js';
import { SEVERITY_LABEL, STATUS_LABEL, type IncidentView } from '../../rendering/incident-view.js';
import { capText } from '../../rendering/text-caps.js';
import { FEISHU_LIMITS, fitFeishuCard } from './feishu-limits.js';
import { escapeTagCharacters } from '../../lib/html-escape.js';

type Card = Record<string, any>;

const HEADER_COLOR: Record<IncidentStatus, Record<Severity, string>> = {
  triggered: { critical: 'red', warning: 'orange', info: 'blue' },
  acknowledged: { critical: 'yellow', warning: 'yellow', info: 'yellow' },
  closed: { critical: 'green', warning: 'green', info: 'green' },
};
const STATUS_COLOR: Record<IncidentStatus, string> = { triggered: 'red', acknowledged: 'orange', closed: 'green' };
const SEVERITY_COLOR: Record<Severity, string> = { critical: 'carmine', warning: 'orange', info: 'blue' };

/** Alert text is untrusted: keep it from forming Feishu `<at>` mentions or other tags inside card markdown. */
export const escapeCardMarkdown = escapeTagCharacters;

/** A `<local_datetime>` tag: Feishu renders the instant in each reader's own time zone and language. */
const localDateTime = (at: Date, format: string) => `<local_datetime millisecond='${at.getTime()}' format_type='${format}'></local_datetime>`;

/**
 * Card markdown shows every time with `<local_datetime>`: date, time and the reader's own zone, or the time alone. The
 * tag carries no fallback text; the channel-zone text is for where a time is not card markdown (DingTalk, plain text).
 */
export function feishuTime(at: Date, style: TimeStyle): string {
  return style === 'datetime' ? `${localDateTime(at, 'date_num')} ${localDateTime(at, 'time')} ${localDateTime(at, 'timezone')}` : localDateTime(at, 'time');
}

const FEISHU_MARKUP: Markup = { escape: escapeCardMarkdown, bold: (text: string) => `**${text}**`, time: feishuTime };

/** Characters of the description a card shows; the details page has the rest. */
const DESCRIPTION_CHARS = 800;

/** The incident as Feishu Card JSON 2.0, from cards/feishu/*.json. */
export function renderFeishuIncidentCard(view: IncidentView): Card {
  const description = view.description.trim()
    ? escapeCardMarkdown(capText(view.description.trim(), DESCRIPTION_CHARS))
    : '_No description_';
  const activity = activityLines(view, FEISHU_MARKUP);
  const values = {
    id: view.id,
    // plain_text: shown as written, never parsed for tags or mentions.
    title: capText(view.title.trim(), FEISHU_LIMITS.cardTitleChars),
    channelName: capText(view.channelName, FEISHU_LIMITS.cardSubtitleChars),
    headerColor: HEADER_COLOR[view.status][view.severity],
    statusLabel: STATUS_LABEL[view.status],
    statusColor: STATUS_COLOR[view.status],
    severityLabel: SEVERITY_LABEL[view.severity],
    severityColor: SEVERITY_COLOR[view.severity],
    counts: countsText(view),
    firstSeen: timeText(view, view.firstSeenAt, 'datetime', FEISHU_MARKUP),
    lastSeen: timeText(view, view.lastSeenAt, 'datetime', FEISHU_MARKUP),
    description,
    responders: respondersText(view, FEISHU_MARKUP),
    activity,
    detailsUrl: view.detailsUrl,
    ackDisabled: view.status !== 'triggered',
    escalationStep: view.escalationStep,
  };
  const card = fillTemplate(loadCardTemplate('feishu/incident.json') as Card, values);
  const actions = fillTemplate(
    loadCardTemplate(view.status === 'closed' ? 'feishu/actions-closed.json' : 'feishu/actions-open.json') as Card[],
    values,
  );
  card.body.elements = (card.body.elements as Card[]).flatMap((element) => (element.tag === '__actions__' ? actions : [element]));
  return fitFeishuCard(card);
}
