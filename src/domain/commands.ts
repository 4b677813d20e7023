/**
 * The one bot-command grammar, shared by Feishu, Slack and DingTalk:
 * `help | list | ack <id> | close <id> | escalate <id> | reopen <id> | link | whoami | bind <channel>`.
 */

export type Command =
  | { name: 'help' }
  | { name: 'list' }
  | { name: 'ack' | 'close' | 'escalate' | 'reopen'; incidentId: number }
  | { name: 'link' }
  | { name: 'whoami' }
  | { name: 'bind'; channel: string };

export type ParsedCommand = { ok: true; command: Command } | { ok: false; error: string; usage: string };

export const COMMAND_USAGE = [
  'help — this list',
  'list — open incidents of this chat’s channel',
  'ack <id> — acknowledge an incident',
  'close <id> — close an incident',
  'escalate <id> — page the next escalation level now',
  'reopen <id> — reopen a closed incident',
  'link — link your chat account to your on-call member',
  'whoami — show which member you act as',
  'bind <channel> — bind this group chat to a channel',
].join('\n');

const ALIASES: Record<string, string> = {
  '?': 'help',
  acknowledge: 'ack',
  resolve: 'close',
  ls: 'list',
};

const INCIDENT_COMMANDS = new Set(['ack', 'close', 'escalate', 'reopen']);
const BARE_COMMANDS = new Set(['help', 'list', 'link', 'whoami']);

function failure(error: string): ParsedCommand {
  return { ok: false, error, usage: COMMAND_USAGE };
}

/** `text` is what follows the mention of the bot (or the slash command); an empty text means help. */
export function parseCommand(text: string): ParsedCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { ok: true, command: { name: 'help' } };
  const typed = words[0].toLowerCase().replace(/^\//, '');
  const name = ALIASES[typed] ?? typed;
  const args = words.slice(1);

  if (BARE_COMMANDS.has(name)) {
    if (args.length > 0) return failure(`"${name}" takes no arguments`);
    return { ok: true, command: { name } as Command };
  }
  if (INCIDENT_COMMANDS.has(name)) {
    const id = (args[0] ?? '').replace(/^#/, '');
    if (args.length !== 1 || !/^\d{1,10}$/.test(id) || Number(id) === 0) {
      return failure(`usage: ${name} <incident id>, e.g. ${name} 42`);
    }
    return { ok: true, command: { name: name as 'ack', incidentId: Number(id) } };
  }
  if (name === 'bind') {
    if (args.length === 0) return failure('usage: bind <channel name or id>');
    return { ok: true, command: { name: 'bind', channel: args.join(' ') } };
  }
  return failure(`unknown command "${words[0].slice(0, 30)}"`);
}
