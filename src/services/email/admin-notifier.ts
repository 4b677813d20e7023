import { In } from 'typeorm';
import { ImIdentityEntity } from '../../db/entities/im-identity.entity.js';
import { MemberEntity } from '../../db/entities/member.entity.js';
import type { Database } from '../../db/database.js';
import type { Logger } from '../../lib/logger.js';
import type { DestinationRegistry } from '../registry/destination-registry.js';
import type { EmailMessages, IntegrationTroubleInput } from './email-messages.js';
import { integrationTroubleText } from './email-messages.js';
import type { EmailOutbox } from './email-outbox.js';

/**
 * Tells the admins (members marked isAdmin) through every channel the product has: one email to all of them with an
 * address, and a direct message on each IM app to those linked there. A channel that fails does not stop the others.
 */
export class AdminNotifier {
  constructor(
    private readonly db: Database,
    private readonly destinations: DestinationRegistry,
    private readonly outbox: EmailOutbox,
    private readonly messages: EmailMessages,
    private readonly logger: Logger,
  ) {}

  /** Resolves to how many messages went out. */
  async integrationTrouble(input: IntegrationTroubleInput): Promise<number> {
    const admins = await this.db.manager.findBy(MemberEntity, { isAdmin: true });
    if (admins.length === 0) {
      this.logger.warn({ integrationId: input.integrationId }, 'no admin member to tell about a failing integration');
      return 0;
    }
    let sent = 0;
    const addresses = admins.flatMap((admin) => (admin.email ? [admin.email] : []));
    if (addresses.length > 0) {
      try {
        await this.outbox.send({ to: addresses, ...(await this.messages.integrationTrouble(input)) });
        sent++;
      } catch (error) {
        this.logger.warn({ err: error, integrationId: input.integrationId }, 'admin notice by email not sent');
      }
    }
    const identities = await this.db.manager.findBy(ImIdentityEntity, { memberId: In(admins.map((admin) => admin.id)) });
    const text = integrationTroubleText(input);
    for (const { name, capability: direct } of this.destinations.with('direct')) {
      for (const identity of identities.filter((candidate) => candidate.platform === name)) {
        try {
          await direct.sendDirectText(identity.externalId, text);
          sent++;
        } catch (error) {
          this.logger.warn({ err: error, platform: name }, 'admin notice by direct message not sent');
        }
      }
    }
    return sent;
  }
}
