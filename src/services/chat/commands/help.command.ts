import { COMMAND_USAGE } from '../../../domain/commands.js';
import { forCaller, type CommandUnit } from './command-context.js';

export const helpCommand: CommandUnit = async () => forCaller(`Commands:\n${COMMAND_USAGE}`);
