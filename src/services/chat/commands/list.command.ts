import { In } from 'typeorm';
import { IncidentEntity } from '../../../db/entities/incident.entity.js';
import type { Database } from '../../../db/database.js';
import type { ChatBindingService } from '../chat-binding.service.js';
import { forCaller, type CommandUnit } from './command-context.js';

/** The newest open incidents of the chat's channel, or of every channel in a direct chat. */
export const listCommand =
  (db: Database, bindings: ChatBindingService): CommandUnit =>
  async ({ user, chat }) => {
    const binding = chat.isDirect ? null : await bindings.forChat(user.platform, chat.chatId);
    if (!chat.isDirect && !binding) return forCaller('This chat is not bound to a channel yet. Usage: bind <channel name or id>');
    const open = await db.manager.find(IncidentEntity, {
      where: { status: In(['triggered', 'acknowledged']), ...(binding ? { channelId: binding.channelId } : {}) },
      order: { id: 'DESC' },
      take: 20,
    });
    if (open.length === 0) return forCaller('No open incidents.');
    return forCaller(['Open incidents:', ...open.map((incident) => `#${incident.id} [${incident.status}] ${incident.title}`)].join('\n'));
  };
