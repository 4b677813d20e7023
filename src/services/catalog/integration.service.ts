import { ChannelEntity } from '../../db/entities/channel.entity.js';
import { IntegrationEntity, type Integration } from '../../db/entities/integration.entity.js';
import type { Database } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';
import { newHookKey } from '../../lib/ids.js';

export type IntegrationInput = Omit<Integration, 'id' | 'key' | 'createdAt' | 'updatedAt' | 'modifiedBy'>;
/** An integration keeps its type for life: the type decides its URL or mailbox and what its settings mean. */
export type IntegrationUpdate = Omit<IntegrationInput, 'type'>;

/**
 * How long an instance keeps an integration it looked up by key. Edits made through this instance apply at once;
 * other instances see them within this time.
 */
const KEY_CACHE_MS = 5_000;
/** `modifiedBy` of changes made through the admin API (one token, so no person's name) and by the service itself. */
export const ADMIN_MODIFIER = 'admin';
export const SYSTEM_MODIFIER = 'system';

export class IntegrationService {
  private readonly byKey = new Map<string, { integration: Integration | null; until: number }>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly db: Database) {}

  /** Called after every change made through this instance (pollers restart at once instead of at their next look). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.byKey.clear();
    for (const listener of this.listeners) listener();
  }

  list(): Promise<Integration[]> {
    return this.db.manager.find(IntegrationEntity, { order: { id: 'ASC' } });
  }

  async get(id: number): Promise<Integration> {
    const integration = await this.db.manager.findOneBy(IntegrationEntity, { id });
    if (!integration) throw new AppError('not_found', `integration ${id} does not exist`);
    return integration;
  }

  /** The hot path of every inbound alert, so it is cached briefly (unknown keys too, against floods of bad URLs). */
  async findByKey(key: string): Promise<Integration | null> {
    const cached = this.byKey.get(key);
    if (cached && cached.until > Date.now()) return cached.integration;
    const integration = await this.db.manager.findOneBy(IntegrationEntity, { key });
    if (this.byKey.size >= 10_000) this.byKey.clear();
    this.byKey.set(key, { integration, until: Date.now() + KEY_CACHE_MS });
    return integration;
  }

  async create(input: IntegrationInput): Promise<Integration> {
    await this.assertChannelsExist(input);
    const now = new Date();
    const result = await this.db.manager.insert(IntegrationEntity, {
      ...input,
      key: newHookKey(),
      modifiedBy: ADMIN_MODIFIER,
      createdAt: now,
      updatedAt: now,
    });
    return this.get(Number(result.identifiers[0].id));
  }

  async update(id: number, input: IntegrationUpdate): Promise<Integration> {
    await this.get(id);
    await this.assertChannelsExist(input);
    // The type stays as it was even when the input object carries one.
    const { type: _type, ...fields } = input as IntegrationUpdate & { type?: unknown };
    await this.db.manager.update(IntegrationEntity, id, { ...fields, modifiedBy: ADMIN_MODIFIER, updatedAt: new Date() });
    this.changed();
    return this.get(id);
  }

  /** A leaked URL is revoked by giving the integration a new key; the old one is unknown from now on. */
  async rotateKey(id: number): Promise<Integration> {
    await this.get(id);
    await this.db.manager.update(IntegrationEntity, id, { key: newHookKey(), modifiedBy: ADMIN_MODIFIER, updatedAt: new Date() });
    this.changed();
    return this.get(id);
  }

  async remove(id: number): Promise<void> {
    await this.get(id);
    await this.db.manager.delete(IntegrationEntity, id);
    this.changed();
  }

  /** Turns boolean `setting` off on every other integration of `kept`'s type (it stays on `kept` only). */
  async turnOffElsewhere(kept: Integration, setting: string): Promise<void> {
    const others = (await this.db.manager.findBy(IntegrationEntity, { type: kept.type })).filter(
      (other) => other.id !== kept.id && other.settings[setting] === true,
    );
    for (const other of others) {
      await this.db.manager.update(IntegrationEntity, other.id, { settings: { ...other.settings, [setting]: false }, modifiedBy: ADMIN_MODIFIER, updatedAt: new Date() });
    }
    if (others.length > 0) this.changed();
  }

  /** Switched off by the service itself (repeated errors): only if still enabled; true when this call disabled it. */
  async disableAutomatically(id: number): Promise<boolean> {
    const result = await this.db.manager.update(IntegrationEntity, { id, enabled: true }, { enabled: false, modifiedBy: SYSTEM_MODIFIER, updatedAt: new Date() });
    if (!result.affected) return false;
    this.changed();
    return true;
  }

  private async assertChannelsExist(input: IntegrationUpdate): Promise<void> {
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
