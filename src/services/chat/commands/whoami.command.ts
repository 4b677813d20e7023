import { forCaller, type CommandUnit } from './command-context.js';

export const whoamiCommand: CommandUnit = async (context) => {
  const member = await context.resolve();
  if (!member) return forCaller(`Your account is not linked to an on-call member. To link it: ${context.syntax('link')}.`);
  return { text: `You act as ${member.name}${member.email ? ` <${member.email}>` : ''} (member ${member.id}).`, audience: 'private' };
};
