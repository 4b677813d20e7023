import type { Command } from '../../../domain/commands.js';
import type { CardAction } from '../button-value.js';
import { forCaller, type CommandUnit } from './command-context.js';

type IncidentCommand = Extract<Command, { incidentId: number }>;

const ACTION_OF: Record<IncidentCommand['name'], CardAction> = { ack: 'acknowledge', close: 'close', escalate: 'escalate', reopen: 'reopen' };

/** `ack`, `close`, `escalate`, `reopen <id>`: what the card's button does; an unlinked user is asked to link first. */
export const incidentActionCommand: CommandUnit<IncidentCommand> = async (context, command) => {
  const action = ACTION_OF[command.name];
  const member = await context.resolve();
  if (!member) return forCaller((await context.promptToLink({ action, incidentId: command.incidentId, chatId: context.chat.chatId })).toast.text);
  return forCaller((await context.actAs(member, action, command.incidentId)).toast.text);
};
