import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, shareable links to an incident's read-only details page: whoever sees the card may open it,
 * nobody can enumerate other incidents.
 */
export class IncidentLinks {
  private readonly key: Buffer;

  constructor(
    private readonly publicBaseUrl: string,
    secret: string,
  ) {
    this.key = createHmac('sha256', 'incident-links').update(secret).digest();
  }

  signature(incidentId: number): string {
    return createHmac('sha256', this.key).update(String(incidentId)).digest('base64url').slice(0, 22);
  }

  detailsUrl(incidentId: number): string {
    return `${this.publicBaseUrl}/incidents/${incidentId}?sig=${this.signature(incidentId)}`;
  }

  verify(incidentId: number, signature: string): boolean {
    const expected = Buffer.from(this.signature(incidentId));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
