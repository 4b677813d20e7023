import { WebhookBotEntity } from '../../db/entities/webhook-bot.entity.js';
import { MessageTemplateEntity } from '../../db/entities/message-template.entity.js';
import { ChannelEntity, type Channel } from '../../db/entities/channel.entity.js';
import { IncidentEntity } from '../../db/entities/incident.entity.js';
import { IntegrationEntity } from '../../db/entities/integration.entity.js';
import { isUniqueViolation, type Database } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';

export interface ChannelInput {
  name: string;
  description: string;
  timeZone: string;
}

const NAME_INDEX = { name: 'uq_channels_name', columns: 'channels.name' };

export class ChannelService {
  constructor(private readonly db: Database) {}

  list(): Promise<Channel[]> {
    return this.db.manager.find(ChannelEntity, { order: { id: 'ASC' } });
  }

  async get(id: number): Promise<Channel> {
    const channel = await this.db.manager.findOneBy(ChannelEntity, { id });
    if (!channel) throw new AppError('not_found', `channel ${id} does not exist`);
    return channel;
  }

  async create(input: ChannelInput): Promise<Channel> {
    const now = new Date();
    return this.saveUnique(input.name, async () => {
      const result = await this.db.manager.insert(ChannelEntity, { ...input, createdAt: now, updatedAt: now });
      return this.get(Number(result.identifiers[0].id));
    });
  }

  async update(id: number, input: Partial<ChannelInput>): Promise<Channel> {
    await this.get(id);
    return this.saveUnique(input.name ?? '', async () => {
      await this.db.manager.update(ChannelEntity, id, { ...input, updatedAt: new Date() });
      return this.get(id);
    });
  }

  async remove(id: number): Promise<void> {
    await this.get(id);
    const inUse =
      (await this.db.manager.countBy(IncidentEntity, { channelId: id })) +
      (await this.db.manager.countBy(IntegrationEntity, { channelId: id })) +
      (await this.db.manager.countBy(IntegrationEntity, { defaultChannelId: id }));
    // Routes live in a JSON column, out of reach of foreign keys: a deleted route target would make every matching alert fail.
    const routedHere = (await this.db.manager.findBy(IntegrationEntity, { kind: 'shared' })).some((integration) =>
      (integration.routes ?? []).some((route) => route.channelId === id),
    );
    if (inUse > 0 || routedHere) throw new AppError('conflict', `channel ${id} still has incidents or integrations; it cannot be deleted`);
    // Its group bots and message templates belong to it alone and go with it.
    await this.db.manager.delete(WebhookBotEntity, { channelId: id });
    await this.db.manager.delete(MessageTemplateEntity, { channelId: id });
    await this.db.manager.delete(ChannelEntity, id);
  }

  private async saveUnique(name: string, save: () => Promise<Channel>): Promise<Channel> {
    try {
      return await save();
    } catch (error) {
      if (isUniqueViolation(error, NAME_INDEX)) throw new AppError('conflict', `a channel named "${name}" already exists`);
      throw error;
    }
  }
}
