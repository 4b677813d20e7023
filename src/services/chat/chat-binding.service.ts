import { Raw } from 'typeorm';
import { ChannelEntity, type Channel } from '../../db/entities/channel.entity.js';
import { ChatBindingEntity, type ChatBinding } from '../../db/entities/chat-binding.entity.js';
import type { Database } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';
import type { PlatformName } from '../../domain/platform-name.js';

/** Which group chats show which channel's incidents. */
export class ChatBindingService {
  constructor(private readonly db: Database) {}

  list(): Promise<ChatBinding[]> {
    return this.db.manager.find(ChatBindingEntity, { order: { id: 'ASC' } });
  }

  forChat(platform: PlatformName, chatId: string): Promise<ChatBinding | null> {
    return this.db.manager.findOneBy(ChatBindingEntity, { platform, chatId });
  }

  /** `channelRef` is a channel's id or its name (as typed after `bind`). A chat shows one channel: binding again moves it. */
  async bind(platform: PlatformName, chatId: string, channelRef: string | number, chatName = ''): Promise<{ binding: ChatBinding; channel: Channel }> {
    const channel = await this.findChannel(channelRef);
    const binding = await this.db.transaction(async (tx) => {
      const existing = await tx.findOneBy(ChatBindingEntity, { platform, chatId });
      if (existing) {
        await tx.update(ChatBindingEntity, existing.id, { channelId: channel.id, chatName: chatName || existing.chatName });
        return { ...existing, channelId: channel.id, chatName: chatName || existing.chatName };
      }
      const values = { platform, chatId, channelId: channel.id, chatName: chatName.slice(0, 200), createdAt: new Date() };
      const inserted = await tx.insert(ChatBindingEntity, values);
      return { id: Number(inserted.identifiers[0].id), ...values };
    });
    return { binding, channel };
  }

  async unbind(platform: PlatformName, chatId: string): Promise<boolean> {
    const result = await this.db.manager.delete(ChatBindingEntity, { platform, chatId });
    return (result.affected ?? 0) > 0;
  }

  async removeById(id: number): Promise<void> {
    const result = await this.db.manager.delete(ChatBindingEntity, { id });
    if (!result.affected) throw new AppError('not_found', `chat binding ${id} does not exist`);
  }

  private async findChannel(ref: string | number): Promise<Channel> {
    const byId = typeof ref === 'number' || /^\d+$/.test(ref) ? await this.db.manager.findOneBy(ChannelEntity, { id: Number(ref) }) : null;
    // Names are unique regardless of case (on every database), so "bind SRE" finds channel "sre".
    const byName = () => this.db.manager.findOneBy(ChannelEntity, { name: Raw((column) => `LOWER(${column}) = LOWER(:name)`, { name: String(ref).trim() }) });
    const channel = byId ?? (typeof ref === 'string' ? await byName() : null);
    if (!channel) throw new AppError('not_found', `channel "${ref}" does not exist`);
    return channel;
  }
}
