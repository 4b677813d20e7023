export type TimelineKind =
  | 'triggered'
  | 'alert_added'
  | 'alert_updated'
  | 'alert_resolved'
  | 'acknowledged'
  | 'closed'
  | 'reopened'
  | 'escalated'
  /**
   * Part of an escalation page could not be delivered for good (bot removed from a chat …): `detail.notReached` names
   * it; and/or people no message of the page reached, nor a fallback (`detail.members`).
   */
  | 'not_reached'
  /** Someone shown as not reached was reached after all, by a page sent again or a later one (`detail.members`). */
  | 'reached'
  /** A member a failed message was for was reached another way (`detail.member`, `via`, `instead`, `reason`). */
  | 'fallback';

/** Small facts about a timeline entry (which alert, why). */
export type TimelineDetail = Record<string, string | number | boolean | null>;

export type ActorType = 'system' | 'integration' | 'member' | 'admin';
