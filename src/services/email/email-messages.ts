import type { Incident } from '../../db/entities/incident.entity.js';
import { escapeHtml } from '../../lib/html-escape.js';

/** Subject, plain text and HTML of one email. */
export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface PageEmailInput {
  incident: Pick<Incident, 'id' | 'channelId' | 'title' | 'description' | 'status' | 'severity'>;
  levelNumber: number;
  detailsUrl: string;
  memberName: string;
  /** Set when the email replaces a message that failed (the IM-failure fallback): what failed and why. */
  insteadOf?: { method: string; reason: string };
}

export interface IntegrationTroubleInput {
  integrationName: string;
  integrationId: number;
  consecutiveErrors: number;
  lastError: string;
  /** True when the integration was just disabled (the disable threshold); false when admins are only warned. */
  disabled: boolean;
}

/**
 * The email content per event. In service it comes from the channel's templates (TemplateEmailPages), which fall
 * back to the built-in messages below.
 */
export interface EmailMessages {
  page(input: PageEmailInput): Promise<RenderedEmail>;
  integrationTrouble(input: IntegrationTroubleInput): Promise<RenderedEmail>;
}

/** The built-in messages: plain, everything that came from an alert or an admin escaped for HTML; never fail. */
export interface BuiltInEmailMessages {
  page(input: PageEmailInput): RenderedEmail;
  integrationTrouble(input: IntegrationTroubleInput): RenderedEmail;
}

/** Why a fallback email came (the IM message that failed), or '' for an ordinary page. */
export function fallbackNote(insteadOf: PageEmailInput['insteadOf']): string {
  return insteadOf ? `You get this by email because the ${insteadOf.method} message failed (${cap(insteadOf.reason, 300)}).` : '';
}

/** The admin notice as one line of text, for IM direct messages. */
export function integrationTroubleText(input: IntegrationTroubleInput): string {
  const what = input.disabled
    ? `was disabled after ${input.consecutiveErrors} consecutive incoming errors; an admin must enable it again`
    : `has ${input.consecutiveErrors} consecutive incoming errors`;
  return `Email integration "${cap(input.integrationName, 100)}" (#${input.integrationId}) ${what}. Last error: ${cap(input.lastError, 300)}`;
}

const SUBJECT_LIMIT = 200;
/** Alert descriptions are up to 21,000 characters; a page need not carry all of it. */
const BODY_LIMIT = 10_000;

/** A header value: one line (a CR/LF in an alert title must not start a new header), capped. */
export function subjectLine(text: string): string {
  return cap(text.replace(/[\r\n\t]+/g, ' ').replace(/\s{2,}/g, ' ').trim(), SUBJECT_LIMIT);
}

function cap(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const head = text.slice(0, limit - 1);
  return `${/[\uD800-\uDBFF]$/.test(head) ? head.slice(0, -1) : head}…`;
}

function safeHref(url: string): string {
  return /^https?:\/\//i.test(url) ? escapeHtml(url) : '#';
}

export const defaultEmailMessages: BuiltInEmailMessages = {
  page({ incident, levelNumber, detailsUrl, memberName, insteadOf }) {
    const title = cap(incident.title, 500);
    const description = cap(incident.description, BODY_LIMIT);
    const why = fallbackNote(insteadOf);
    const text = [
      `${memberName}, escalation level ${levelNumber}: incident #${incident.id} is ${incident.status} (${incident.severity}).`,
      '',
      title,
      '',
      description,
      '',
      `Details: ${detailsUrl}`,
      why && `\n${why}`,
    ].join('\n');
    const html = [
      `<p>${escapeHtml(memberName)}, escalation level ${levelNumber}: incident #${incident.id} is <b>${escapeHtml(incident.status)}</b> (${escapeHtml(incident.severity)}).</p>`,
      `<h2>${escapeHtml(title)}</h2>`,
      `<pre style="white-space:pre-wrap">${escapeHtml(description)}</pre>`,
      `<p><a href="${safeHref(detailsUrl)}">Open incident #${incident.id}</a></p>`,
      why && `<p><i>${escapeHtml(why)}</i></p>`,
    ].join('\n');
    return { subject: subjectLine(`[Incident #${incident.id}] ${incident.title}`), text, html };
  },
  integrationTrouble(input) {
    const text = integrationTroubleText(input);
    return {
      subject: subjectLine(`[oncall] Email integration "${input.integrationName}" ${input.disabled ? 'disabled' : 'is failing'}`),
      text,
      html: `<p>${escapeHtml(text)}</p>`,
    };
  },
};
