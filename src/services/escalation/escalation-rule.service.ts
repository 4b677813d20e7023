import { In, type EntityManager } from 'typeorm';
import { ChannelEntity } from '../../db/entities/channel.entity.js';
import { EscalationRuleEntity, type EscalationRule } from '../../db/entities/escalation-rule.entity.js';
import { MemberEntity } from '../../db/entities/member.entity.js';
import { WebhookBotEntity } from '../../db/entities/webhook-bot.entity.js';
import type { ChannelsWithRules } from './channels-with-rules.js';
import type { Database } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';

export type EscalationRuleInput = Omit<EscalationRule, 'id' | 'channelId' | 'position' | 'createdAt' | 'updatedAt'> & {
  /** 0-based place among the channel's rules; default last. */
  position?: number;
};

/** A channel's ordered escalation rules. Edits never touch running escalations: incidents keep their snapshot. */
export class EscalationRuleService {
  constructor(
    private readonly db: Database,
    private readonly channelsWithRules: ChannelsWithRules,
  ) {}

  async list(channelId: number): Promise<EscalationRule[]> {
    await this.assertChannel(channelId);
    return this.ordered(this.db.manager, channelId);
  }

  async get(id: number): Promise<EscalationRule> {
    const rule = await this.db.manager.findOneBy(EscalationRuleEntity, { id });
    if (!rule) throw new AppError('not_found', `escalation rule ${id} does not exist`);
    return rule;
  }

  async create(channelId: number, input: EscalationRuleInput): Promise<EscalationRule> {
    await this.assertChannel(channelId);
    await this.assertMembers(input);
    await this.assertBots(channelId, input);
    const { position, ...fields } = input;
    const id = await this.inChannel(channelId, async (tx) => {
      const now = new Date();
      const count = await tx.countBy(EscalationRuleEntity, { channelId });
      const inserted = await tx.insert(EscalationRuleEntity, { ...fields, channelId, position: count, createdAt: now, updatedAt: now });
      const id = Number(inserted.identifiers[0].id);
      if (position !== undefined) await this.move(tx, channelId, id, position);
      return id;
    });
    return this.get(id);
  }

  async update(id: number, input: EscalationRuleInput): Promise<EscalationRule> {
    const rule = await this.get(id);
    await this.assertMembers(input);
    await this.assertBots(rule.channelId, input);
    const { position, ...fields } = input;
    await this.inChannel(rule.channelId, async (tx) => {
      await tx.update(EscalationRuleEntity, id, { ...fields, updatedAt: new Date() });
      if (position !== undefined) await this.move(tx, rule.channelId, id, position);
    });
    return this.get(id);
  }

  async remove(id: number): Promise<void> {
    const rule = await this.get(id);
    await this.inChannel(rule.channelId, async (tx) => {
      await tx.delete(EscalationRuleEntity, id);
      await this.renumber(tx, (await this.ordered(tx, rule.channelId)).map((candidate) => candidate.id));
    });
  }

  /**
   * Positions are read and rewritten as a whole, so changes to one channel's rules take turns: the channel row is
   * locked for the transaction (SQLite's single writer already serialises).
   */
  private async inChannel<T>(channelId: number, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction(async (tx) => {
        const channel = await tx.getRepository(ChannelEntity).findOne({ where: { id: channelId }, lock: this.db.isMysql ? { mode: 'pessimistic_write' } : undefined });
        if (!channel) throw new AppError('not_found', `channel ${channelId} does not exist`);
        return await work(tx);
      });
    } finally {
      this.channelsWithRules.invalidate();
    }
  }

  private ordered(manager: EntityManager, channelId: number): Promise<EscalationRule[]> {
    return manager.find(EscalationRuleEntity, { where: { channelId }, order: { position: 'ASC', id: 'ASC' } });
  }

  private async move(tx: EntityManager, channelId: number, id: number, position: number): Promise<void> {
    const ids = (await this.ordered(tx, channelId)).map((rule) => rule.id).filter((candidate) => candidate !== id);
    ids.splice(Math.min(Math.max(position, 0), ids.length), 0, id);
    await this.renumber(tx, ids);
  }

  private async renumber(tx: EntityManager, ids: number[]): Promise<void> {
    for (const [position, id] of ids.entries()) await tx.update(EscalationRuleEntity, id, { position });
  }

  private async assertChannel(channelId: number): Promise<void> {
    if (!(await this.db.manager.existsBy(ChannelEntity, { id: channelId }))) throw new AppError('not_found', `channel ${channelId} does not exist`);
  }

  /** A level's bots must be bots of the rule's channel. */
  private async assertBots(channelId: number, input: EscalationRuleInput): Promise<void> {
    const wanted = [...new Set(input.levels.flatMap((level) => level.notifyBotIds ?? []))];
    if (wanted.length === 0) return;
    const found = await this.db.manager.findBy(WebhookBotEntity, { id: In(wanted), channelId });
    const missing = wanted.filter((id) => !found.some((bot) => bot.id === id));
    if (missing.length) throw new AppError('validation', `levels: bot ${missing.join(', ')} is not a bot of channel ${channelId}`);
  }

  private async assertMembers(input: EscalationRuleInput): Promise<void> {
    const wanted = [...new Set(input.levels.flatMap((level) => level.memberIds))];
    if (wanted.length === 0) return;
    const found = await this.db.manager.findBy(MemberEntity, { id: In(wanted) });
    const missing = wanted.filter((id) => !found.some((member) => member.id === id));
    if (missing.length) throw new AppError('validation', `levels: member ${missing.join(', ')} does not exist`);
  }
}
