export type TimelineKind =
  | 'triggered'
  | 'alert_added'
  | 'alert_updated'
  | 'alert_resolved'
  | 'acknowledged'
  | 'closed'
  | 'reopened'
  | 'escalated';

/** Small facts about a timeline entry (which alert, why). */
export type TimelineDetail = Record<string, string | number | boolean | null>;

export type ActorType = 'system' | 'integration' | 'member' | 'admin';
