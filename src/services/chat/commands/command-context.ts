import type { Member } from '../../../db/entities/member.entity.js';
import type { Command } from '../../../domain/commands.js';
import type { ActionAnswer, ChatUser, CommandReply } from '../chat-interaction.service.js';
import type { CardAction } from '../button-value.js';
import type { PendingAction } from '../../../db/entities/link-code.entity.js';

export interface CommandChat {
  chatId: string;
  isDirect: boolean;
  chatName?: string;
}

/** What a command unit may use: who asked, where, and the few shared steps of the chat interaction. */
export interface CommandContext {
  user: ChatUser;
  chat: CommandChat;
  /** The member the user acts as; null when the account is not linked. */
  resolve(): Promise<Member | null>;
  /** How the user types `command` on their platform. */
  syntax(command: string): string;
  actAs(member: Member, action: CardAction, incidentId: number): Promise<ActionAnswer>;
  promptToLink(pending: PendingAction): Promise<ActionAnswer>;
}

export type CommandUnit<C extends Command = Command> = (context: CommandContext, command: C) => Promise<CommandReply>;

export const forCaller = (text: string): CommandReply => ({ text, audience: 'caller' });
