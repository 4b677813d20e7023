import type { Member } from '../../db/entities/member.entity.js';
import type { ContactProvider, MemberPage } from '../contact/contact-provider.js';
import type { EmailMessages } from './email-messages.js';
import type { EmailOutbox } from './email-outbox.js';

/** Reaches a member at their member address through the default email integration. */
export class EmailContactProvider implements ContactProvider {
  readonly method = 'email' as const;

  constructor(
    private readonly outbox: EmailOutbox,
    private readonly messages: EmailMessages,
  ) {}

  ready(): Promise<boolean> {
    return this.outbox.canSend();
  }

  canReach(member: Member): boolean {
    return member.email !== null;
  }

  async reach(member: Member, page: MemberPage): Promise<void> {
    await this.outbox.send({ to: [member.email!], ...(await this.messages.page({ ...page, memberName: member.name })) });
  }
}
