import type { ActorType, TimelineDetail, TimelineKind } from '../domain/timeline.js';

/** Timeline kinds as people read them. */
export const TIMELINE_LABEL: Record<TimelineKind, string> = {
  triggered: 'Triggered',
  alert_added: 'Alert added',
  alert_updated: 'Alert fired again',
  alert_resolved: 'Alert resolved',
  acknowledged: 'Acknowledged',
  closed: 'Closed',
  reopened: 'Reopened',
  escalated: 'Escalated',
  not_reached: 'Page not delivered',
  reached: 'Page reached after all',
  fallback: 'Reached another way',
};

/** `Alice`, `integration "prometheus"`, `escalation rule`, `admin API`. */
export function actorLabel(type: ActorType, name: string): string {
  switch (type) {
    case 'integration':
      return `integration "${name}"`;
    case 'system':
      return name === 'system' ? 'escalation rule' : name;
    default:
      return name;
  }
}

/** The facts an entry carries, in words: `level 2 · paged Alice, Bob · rule "Primary"`. */
export function detailLabel(kind: TimelineKind, detail: TimelineDetail | null): string {
  if (!detail) return '';
  if (kind === 'escalated') {
    return [
      detail.level !== undefined ? `level ${detail.level}${Number(detail.round) > 1 ? ` (repeat ${Number(detail.round) - 1})` : ''}` : '',
      detail.paged ? `paged ${detail.paged}` : 'nobody to page',
      detail.rule ? `rule "${detail.rule}"` : '',
    ]
      .filter(Boolean)
      .join(' · ');
  }
  if (kind === 'alert_resolved' && detail.alertKey) return `alert key ${detail.alertKey}`;
  if (kind === 'not_reached' || kind === 'reached') {
    return [
      detail.level !== undefined && detail.level !== null ? `level ${detail.level}` : '',
      detail.members ? (kind === 'reached' ? `reached ${detail.members}` : `not reached: ${detail.members}`) : '',
      detail.notReached ? `failed for good: ${detail.notReached}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
  }
  // Row ids mean nothing to a reader.
  return Object.entries(detail)
    .filter(([key, value]) => key !== 'alertId' && value !== null && value !== '')
    .map(([key, value]) => `${key}: ${String(value)}`)
    .join(' · ');
}
