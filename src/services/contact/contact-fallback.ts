import type { Incident } from '../../db/entities/incident.entity.js';
import type { Member } from '../../db/entities/member.entity.js';
import type { Database } from '../../db/database.js';
import { hasReceipt, noteReceipt } from '../../db/receipts.js';
import { SYSTEM_ACTOR } from '../../domain/actor.js';
import { fallbacksAfter, type ContactMethod } from '../../domain/contact-methods.js';
import type { Logger } from '../../lib/logger.js';
import { appendTimeline } from '../incidents/timeline.js';
import type { ContactProvider } from './contact-provider.js';

export interface FailedReach {
  incident: Incident;
  levelNumber: number;
  detailsUrl: string;
  /** Names this failure the same way each time it is seen (a page delivered again): each member is reached once. */
  key: string;
  failedMethod: ContactMethod;
  reason: string;
}

const MAX_REASON_CHARS = 300;

/**
 * The rule on the notification path: a member whose messages by one method all failed is reached by the next method
 * of their order (the default: IM, then email). Each fallback is noted on the incident's timeline, delivered or not.
 */
export class ContactFallback {
  constructor(
    private readonly db: Database,
    private readonly providers: ContactProvider[],
    private readonly logger: Logger,
  ) {}

  /** Resolves to the members reached another way, now or when this failure was seen before. */
  async reachInstead(members: Member[], failure: FailedReach): Promise<Member[]> {
    const reached: Member[] = [];
    const reason = failure.reason.slice(0, MAX_REASON_CHARS);
    for (const member of members) {
      const receipt = `fallback:${failure.key}:${member.id}`;
      if (await hasReceipt(this.db.manager, receipt)) {
        reached.push(member);
        continue;
      }
      for (const method of fallbacksAfter(failure.failedMethod, member.contactMethods)) {
        const provider = this.providers.find((candidate) => candidate.method === method);
        if (!provider?.canReach(member) || !(await provider.ready())) continue;
        let delivered = true;
        let error: string | null = null;
        try {
          await provider.reach(member, { incident: failure.incident, levelNumber: failure.levelNumber, detailsUrl: failure.detailsUrl, insteadOf: { method: failure.failedMethod, reason } });
        } catch (caught) {
          delivered = false;
          error = (caught as Error).message.slice(0, MAX_REASON_CHARS);
          this.logger.warn({ err: caught, incidentId: failure.incident.id, memberId: member.id, method }, 'fallback message not delivered');
        }
        await this.db.transaction((tx) =>
          appendTimeline(tx, failure.incident.id, 'fallback', SYSTEM_ACTOR, new Date(), {
            member: member.name,
            via: method,
            instead: failure.failedMethod,
            reason,
            level: failure.levelNumber,
            delivered,
            error,
          }),
        );
        if (!delivered) continue;
        await noteReceipt(this.db.manager, receipt);
        reached.push(member);
        break;
      }
    }
    return reached;
  }
}
