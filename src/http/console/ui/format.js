import { html } from './lib.js';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatTime(value) {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '—' : dateTime.format(date);
}

export function ago(value) {
  if (!value) return '';
  const seconds = Math.round((Date.now() - new Date(value).getTime()) / 1000);
  const future = seconds < 0;
  const s = Math.abs(seconds);
  const text = s < 60 ? `${s} s` : s < 3600 ? `${Math.round(s / 60)} min` : s < 86400 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86400)} d`;
  return future ? `in ${text}` : `${text} ago`;
}

/** A moment as local date-time and how long ago; `empty` stands in for none (e.g. "never"). */
export function Time({ value, empty = '—' }) {
  return value ? html`<time datetime=${new Date(value).toISOString()} title=${formatTime(value)}>${formatTime(value)} <span class="muted">(${ago(value)})</span></time>` : html`<span class="muted">${empty}</span>`;
}

const STATUS_LABEL = { triggered: 'Triggered', acknowledged: 'Acknowledged', closed: 'Closed' };
const SEVERITY_LABEL = { critical: 'Critical', warning: 'Warning', info: 'Info' };

export function StatusBadge({ status }) {
  return html`<span class=${`badge status-${status}`}>${STATUS_LABEL[status] ?? status}</span>`;
}

export function SeverityBadge({ severity }) {
  return html`<span class=${`badge severity-${severity}`}>${SEVERITY_LABEL[severity] ?? severity}</span>`;
}

export const TIMELINE_LABEL = {
  triggered: 'Triggered',
  alert_added: 'Alert added',
  alert_updated: 'Alert repeated',
  alert_resolved: 'Alert resolved',
  acknowledged: 'Acknowledged',
  closed: 'Closed',
  reopened: 'Reopened',
  escalated: 'Escalated',
  not_reached: 'Could not reach',
  reached: 'Reached after all',
  fallback: 'Reached another way',
};
