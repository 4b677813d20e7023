/** `reached`: at least one message of a page to them was accepted; `not_reached`: every one failed, so far. */
export type ReachState = 'reached' | 'not_reached';

/**
 * Whom one delivery of a page reached. A person counts as reached when at least one message meant for them was
 * accepted by its platform: their direct message, a group chat notice that @mentions them, a group bot's page, or an
 * email (the page's own or the fallback's, accepted by SMTP). Not reached: every message meant for them failed (or
 * none could be sent at all) and no fallback got through.
 */
export interface PageReach {
  level: number;
  round: number;
  reached: string[];
  notReached: string[];
}

/** An incident's reach after a delivery, and what changed for the timeline. */
export interface ReachChange {
  reach: Record<string, ReachState>;
  /** Names not reached, and not known to be reached before. */
  newlyNotReached: string[];
  /** Names shown as not reached until now, reached by this delivery (a retry or a later level got through). */
  reachedAfterAll: string[];
}

/** More names than an incident keeps as paged responders (see EscalationSteps) are never shown. */
const NAMES_KEPT = 100;

/**
 * `known` with a delivery's outcome applied. Reached wins and stays: a failed retry or a later level that fails does
 * not undo a page that got through, and a delivery that reaches someone at last flips them to reached.
 */
export function withReach(known: Record<string, ReachState> | null, delivery: Pick<PageReach, 'reached' | 'notReached'>): ReachChange {
  const reach = { ...known };
  const newlyNotReached: string[] = [];
  const reachedAfterAll: string[] = [];
  const room = (name: string) => name in reach || Object.keys(reach).length < NAMES_KEPT;
  for (const name of new Set(delivery.reached)) {
    if (reach[name] === 'not_reached') reachedAfterAll.push(name);
    if (room(name)) reach[name] = 'reached';
  }
  for (const name of new Set(delivery.notReached)) {
    if (reach[name] !== undefined || delivery.reached.includes(name) || !room(name)) continue;
    reach[name] = 'not_reached';
    newlyNotReached.push(name);
  }
  return { reach, newlyNotReached, reachedAfterAll };
}
