import { In } from 'typeorm';
import { isUniqueViolation, type Database } from '../../db/database.js';
import { BotMappingRowEntity, BotMappingTableEntity, type BotMappingRow, type BotMappingTable } from '../../db/entities/bot-mapping.entity.js';
import { MemberEntity } from '../../db/entities/member.entity.js';
import { WebhookBotEntity } from '../../db/entities/webhook-bot.entity.js';
import type { BotKindName } from '../../domain/bot-kind-name.js';
import { AppError } from '../../lib/errors.js';

const NAME_INDEX = { name: 'name', columns: 'bot_mapping_tables.name' };
const CHUNK = 500;

export interface MappingImport {
  /** Rows written (new or changed). */
  imported: number;
  /** Emails of the import that belong to no member (kept: a member may be added with them later). */
  unmatchedEmails: string[];
}

const chunks = <T>(items: T[]): T[][] => Array.from({ length: Math.ceil(items.length / CHUNK) }, (_, index) => items.slice(index * CHUNK, (index + 1) * CHUNK));

/** Mapping tables: member email → the user id of one IM, for group bots to @mention members. */
export class BotMappingTableService {
  constructor(private readonly db: Database) {}

  async create(name: string, kind: BotKindName): Promise<BotMappingTable> {
    const now = new Date();
    try {
      const inserted = await this.db.manager.insert(BotMappingTableEntity, { name, kind, createdAt: now, updatedAt: now });
      return this.get(Number(inserted.identifiers[0].id));
    } catch (error) {
      if (isUniqueViolation(error, NAME_INDEX) || isUniqueViolation(error)) throw new AppError('conflict', `a mapping table named "${name}" already exists`);
      throw error;
    }
  }

  async list(): Promise<Array<BotMappingTable & { rowCount: number }>> {
    const tables = await this.db.manager.find(BotMappingTableEntity, { order: { id: 'ASC' } });
    return Promise.all(tables.map(async (table) => ({ ...table, rowCount: await this.db.manager.countBy(BotMappingRowEntity, { tableId: table.id }) })));
  }

  async get(id: number): Promise<BotMappingTable> {
    const table = await this.db.manager.findOneBy(BotMappingTableEntity, { id });
    if (!table) throw new AppError('not_found', `mapping table ${id} does not exist`);
    return table;
  }

  async rows(id: number): Promise<BotMappingRow[]> {
    await this.get(id);
    return this.db.manager.find(BotMappingRowEntity, { where: { tableId: id }, order: { email: 'ASC' } });
  }

  async remove(id: number): Promise<void> {
    await this.get(id);
    if (await this.db.manager.existsBy(WebhookBotEntity, { mappingTableId: id })) throw new AppError('conflict', `mapping table ${id} is used by a bot; it cannot be deleted`);
    await this.db.manager.transaction(async (tx) => {
      await tx.delete(BotMappingRowEntity, { tableId: id });
      await tx.delete(BotMappingTableEntity, { id });
    });
  }

  /** Adds or changes rows (the last row wins for an email given twice); `replace` drops the rows not given first. */
  async import(id: number, given: Array<{ email: string; userId: string }>, replace: boolean): Promise<MappingImport> {
    await this.get(id);
    const byEmail = new Map<string, string>();
    for (const row of given) byEmail.set(row.email.trim().toLowerCase(), row.userId.trim());
    const emails = [...byEmail.keys()];
    let imported = 0;
    await this.db.manager.transaction(async (tx) => {
      if (replace) await tx.delete(BotMappingRowEntity, { tableId: id });
      for (const part of chunks(emails)) {
        const existing = replace ? [] : await tx.findBy(BotMappingRowEntity, { tableId: id, email: In(part) });
        const fresh = part.filter((email) => !existing.some((row) => row.email === email));
        for (const row of existing) {
          if (row.userId === byEmail.get(row.email)) continue;
          await tx.update(BotMappingRowEntity, row.id, { userId: byEmail.get(row.email)! });
          imported += 1;
        }
        if (fresh.length) await tx.insert(BotMappingRowEntity, fresh.map((email) => ({ tableId: id, email, userId: byEmail.get(email)! })));
        imported += fresh.length;
      }
      await tx.update(BotMappingTableEntity, id, { updatedAt: new Date() });
    });
    const known = new Set<string>();
    for (const part of chunks(emails)) {
      const members = await this.db.manager.createQueryBuilder(MemberEntity, 'member').select('member.email', 'email').where('LOWER(member.email) IN (:...part)', { part }).getRawMany<{ email: string }>();
      for (const member of members) known.add(member.email.toLowerCase());
    }
    return { imported, unmatchedEmails: emails.filter((email) => !known.has(email)) };
  }

  /** The table's user ids for these emails (lower-cased keys). */
  async userIds(tableId: number, emails: string[]): Promise<Map<string, string>> {
    const wanted = [...new Set(emails.map((email) => email.toLowerCase()))];
    const found = new Map<string, string>();
    for (const part of chunks(wanted)) for (const row of await this.db.manager.findBy(BotMappingRowEntity, { tableId, email: In(part) })) found.set(row.email, row.userId);
    return found;
  }
}
