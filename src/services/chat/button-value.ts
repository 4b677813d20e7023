/** The one codec of card button values, for every platform: `{action, incidentId}`, Escalate also `step`. */

/** The actions a card button may carry, matched exactly. */
export const CARD_ACTIONS = ['acknowledge', 'close', 'escalate', 'reopen'] as const;
export type CardAction = (typeof CARD_ACTIONS)[number];

export interface ButtonValue {
  action: CardAction;
  incidentId: number;
  /**
   * The escalation step an Escalate button showed: undefined when the button has none (cards posted before buttons
   * carried it, which then escalate the next level, like the command).
   */
  step?: number;
}

export function isCardAction(value: unknown): value is CardAction {
  return typeof value === 'string' && (CARD_ACTIONS as readonly string[]).includes(value);
}

/** The value as the platform stores it on the button: a JSON string (Slack) or the object itself (Feishu). */
export function encodeButtonValue(value: ButtonValue): string {
  return JSON.stringify(value.step === undefined ? { action: value.action, incidentId: value.incidentId } : value);
}

/**
 * What a clicked button carried, from its JSON string or object (template-filled cards give numbers as strings);
 * null when it is not one of ours or is malformed.
 */
export function decodeButtonValue(raw: unknown): ButtonValue | null {
  const value = asObject(raw);
  if (!value || !isCardAction(value.action)) return null;
  const incidentId = Number(value.incidentId);
  if (!Number.isInteger(incidentId) || incidentId <= 0) return null;
  const step = shownStep(value.step);
  if (step === null) return null;
  return step === undefined ? { action: value.action, incidentId } : { action: value.action, incidentId, step };
}

function asObject(raw: unknown): Record<string, unknown> | undefined {
  if (typeof raw === 'string') {
    try {
      return asObject(JSON.parse(raw));
    } catch {
      return undefined;
    }
  }
  return raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : undefined;
}

function shownStep(raw: unknown): number | undefined | null {
  if (raw === undefined) return undefined;
  const step = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  return typeof step === 'number' && Number.isInteger(step) && step >= 0 ? step : null;
}
