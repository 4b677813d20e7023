export type TimelineKind =
  | 'triggered'
  | 'alert_added'
  | 'alert_updated'
  | 'alert_resolved'
  | 'acknowledged'
  | 'closed'
  | 'reopened'
  | 'escalated'
  /** Part of an escalation page could not be delivered for good (bot removed from a chat …): `detail.notReached` names it. */
  | 'not_reached'
  /** A member a failed message was for was reached another way (`detail.member`, `via`, `instead`, `reason`). */
  | 'fallback';

/** Small facts about a timeline entry (which alert, why). */
export type TimelineDetail = Record<string, string | number | boolean | null>;

export type ActorType = 'system' | 'integration' | 'member' | 'admin';
