import { ChannelEntity } from '../db/entities/channel.entity.js';
import { IntegrationEntity, type Integration } from '../db/entities/integration.entity.js';
import type { Database } from '../db/database.js';
import { AppError } from '../lib/errors.js';
import { newHookKey } from '../lib/ids.js';

export type IntegrationInput = Omit<Integration, 'id' | 'key' | 'type' | 'createdAt' | 'updatedAt'>;

export class IntegrationService {
  constructor(private readonly db: Database) {}

  list(): Promise<Integration[]> {
    return this.db.manager.find(IntegrationEntity, { order: { id: 'ASC' } });
  }

  async get(id: number): Promise<Integration> {
    const integration = await this.db.manager.findOneBy(IntegrationEntity, { id });
    if (!integration) throw new AppError('not_found', `integration ${id} does not exist`);
    return integration;
  }

  /** The hot path of every inbound alert: one indexed lookup. */
  findByKey(key: string): Promise<Integration | null> {
    return this.db.manager.findOneBy(IntegrationEntity, { key });
  }

  async create(input: IntegrationInput): Promise<Integration> {
    await this.assertChannelsExist(input);
    const now = new Date();
    const result = await this.db.manager.insert(IntegrationEntity, {
      ...input,
      type: 'feishu',
      key: newHookKey(),
      createdAt: now,
      updatedAt: now,
    });
    return this.get(Number(result.identifiers[0].id));
  }

  async update(id: number, input: IntegrationInput): Promise<Integration> {
    await this.get(id);
    await this.assertChannelsExist(input);
    await this.db.manager.update(IntegrationEntity, id, { ...input, updatedAt: new Date() });
    return this.get(id);
  }

  /** A leaked URL is revoked by giving the integration a new key; the old URL answers 19001 from now on. */
  async rotateKey(id: number): Promise<Integration> {
    await this.get(id);
    await this.db.manager.update(IntegrationEntity, id, { key: newHookKey(), updatedAt: new Date() });
    return this.get(id);
  }

  async remove(id: number): Promise<void> {
    await this.get(id);
    await this.db.manager.delete(IntegrationEntity, id);
  }

  private async assertChannelsExist(input: IntegrationInput): Promise<void> {
    const referenced = new Map<number, string>();
    if (input.channelId !== null) referenced.set(input.channelId, 'channelId');
    if (input.defaultChannelId !== null) referenced.set(input.defaultChannelId, 'defaultChannelId');
    (input.routes ?? []).forEach((route, index) => referenced.set(route.channelId, `routes[${index}].channelId`));
    for (const [channelId, field] of referenced) {
      const exists = await this.db.manager.existsBy(ChannelEntity, { id: channelId });
      if (!exists) throw new AppError('validation', `${field}: channel ${channelId} does not exist`);
    }
  }
}
