import type { Command } from '../../../domain/commands.js';
import { AppError } from '../../../lib/errors.js';
import type { CommandReply } from '../chat-interaction.service.js';
import type { ChatBindingService } from '../chat-binding.service.js';
import { forCaller, type CommandUnit } from './command-context.js';

/** Binds a group chat to a channel; only linked members may. */
export const bindCommand =
  (bindings: ChatBindingService): CommandUnit<Extract<Command, { name: 'bind' }>> =>
  async (context, command): Promise<CommandReply> => {
    const { user, chat } = context;
    if (chat.isDirect) return forCaller('bind works in a group chat or channel: run it there.');
    const member = await context.resolve();
    if (!member) return forCaller(`Only linked on-call members can bind a chat. Link your account first: ${context.syntax('link')}.`);
    try {
      const { channel } = await bindings.bind(user.platform, chat.chatId, command.channel, chat.chatName);
      return { text: `This chat now shows incidents of channel "${channel.name}".`, audience: 'chat' };
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') return forCaller(`${error.message}. Usage: ${context.syntax('bind <channel name or id>')}`);
      throw error;
    }
  };
