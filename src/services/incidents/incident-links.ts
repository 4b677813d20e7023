import { createHmac, timingSafeEqual } from 'node:crypto';

export interface DetailsLinkKeys {
  /** Signs every new link. */
  current: string;
  /** The key before the last rotation: its links still open until `until`. */
  previous?: { key: string; until: Date };
  /**
   * The admin token, whose derived key signed the links posted before links had their own key. Accepted so that
   * cards already in chats keep working: forging one needs the admin token, which reads every incident through the
   * API anyway, and rotating the admin token ends them.
   */
  legacyAdminToken?: string;
  /** How long after an incident's close its link still opens. */
  ttlAfterCloseMs: number;
}

/** Which key a link was signed with; undefined when none. */
export type LinkKeyUsed = 'current' | 'previous' | 'legacy';

const SIGNATURE_CHARS = 22;

const sign = (key: Buffer | string, message: string) => createHmac('sha256', key).update(message).digest('base64url').slice(0, SIGNATURE_CHARS);

function sameText(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Signed, shareable links to an incident's Details page: whoever sees the card may open it, nobody can enumerate
 * other incidents. Links have their own key (rotatable, the previous one accepted for a grace period) and stop
 * working a while after the incident's close (a reopen brings them back).
 */
export class IncidentLinks {
  private readonly legacyKey?: Buffer;

  constructor(
    private readonly publicBaseUrl: string,
    private readonly keys: DetailsLinkKeys,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (keys.legacyAdminToken) this.legacyKey = createHmac('sha256', 'incident-links').update(keys.legacyAdminToken).digest();
  }

  signature(incidentId: number): string {
    return sign(this.keys.current, `incident-details:${incidentId}`);
  }

  detailsUrl(incidentId: number): string {
    return `${this.publicBaseUrl}/incidents/${incidentId}?sig=${this.signature(incidentId)}`;
  }

  verify(incidentId: number, signature: string): LinkKeyUsed | undefined {
    if (signature.length !== SIGNATURE_CHARS) return undefined;
    if (sameText(this.signature(incidentId), signature)) return 'current';
    const previous = this.keys.previous;
    if (previous && this.now() < previous.until && sameText(sign(previous.key, `incident-details:${incidentId}`), signature)) return 'previous';
    if (this.legacyKey && sameText(sign(this.legacyKey, String(incidentId)), signature)) return 'legacy';
    return undefined;
  }

  /** When the incident's link stops opening; undefined while the incident is open. */
  expiresAt(incident: { closedAt: Date | null }): Date | undefined {
    return incident.closedAt ? new Date(incident.closedAt.getTime() + this.keys.ttlAfterCloseMs) : undefined;
  }

  expired(incident: { closedAt: Date | null }): boolean {
    const expiresAt = this.expiresAt(incident);
    return expiresAt !== undefined && expiresAt <= this.now();
  }
}
