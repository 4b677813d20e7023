import type { Incident } from '../../db/entities/incident.entity.js';
import type { Member } from '../../db/entities/member.entity.js';
import type { ContactMethod } from '../../domain/contact-methods.js';

/** One page to one member. */
export interface MemberPage {
  incident: Incident;
  levelNumber: number;
  detailsUrl: string;
  /** Set when this replaces a message that failed: which method failed and why. */
  insteadOf?: { method: ContactMethod; reason: string };
}

/** A way to reach a member directly (email today; SMS or voice later): one provider per contact method. */
export interface ContactProvider {
  method: ContactMethod;
  /** Whether the method is set up at all (an email integration that sends); when not, it is skipped quietly. */
  ready(): Promise<boolean>;
  canReach(member: Member): boolean;
  reach(member: Member, page: MemberPage): Promise<void>;
}
