import type { IdentityService } from '../../identity/identity.service.js';
import { forCaller, type CommandUnit } from './command-context.js';
import { linkInstructions } from './link-instructions.js';

export const linkCommand =
  (identities: IdentityService): CommandUnit =>
  async (context) => {
    const member = await context.resolve();
    if (member) return forCaller(`You are already linked to ${member.name}.`);
    const { user } = context;
    const code = await identities.createLinkCode(user.platform, user.externalId, null, user.alternateIds);
    return { text: linkInstructions(code.code, ''), audience: 'private' };
  };
