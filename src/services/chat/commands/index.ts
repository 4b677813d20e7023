import type { Database } from '../../../db/database.js';
import type { Command } from '../../../domain/commands.js';
import type { IdentityService } from '../../identity/identity.service.js';
import type { ChatBindingService } from '../chat-binding.service.js';
import type { CommandReply } from '../chat-interaction.service.js';
import { bindCommand } from './bind.command.js';
import type { CommandContext } from './command-context.js';
import { helpCommand } from './help.command.js';
import { incidentActionCommand } from './incident-action.command.js';
import { linkCommand } from './link.command.js';
import { listCommand } from './list.command.js';
import { whoamiCommand } from './whoami.command.js';

export type CommandRunner = (context: CommandContext, command: Command) => Promise<CommandReply>;

/** Every command, each its own unit; one per name. */
export function commandRunner(db: Database, bindings: ChatBindingService, identities: IdentityService): CommandRunner {
  const list = listCommand(db, bindings);
  const link = linkCommand(identities);
  const bind = bindCommand(bindings);
  return (context, command) => {
    switch (command.name) {
      case 'help':
        return helpCommand(context, command);
      case 'whoami':
        return whoamiCommand(context, command);
      case 'link':
        return link(context, command);
      case 'list':
        return list(context, command);
      case 'bind':
        return bind(context, command);
      default:
        return incidentActionCommand(context, command);
    }
  };
}
