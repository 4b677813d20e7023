import { MemberEntity, type Member } from '../../db/entities/member.entity.js';
import { isUniqueViolation, type Database } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';
import type { ContactMethod } from '../../domain/contact-methods.js';

export interface MemberInput {
  name: string;
  email: string | null;
  phone: string | null;
  isAdmin: boolean;
  contactMethods: ContactMethod[] | null;
}

const EMAIL_INDEX = { name: 'uq_members_email', columns: 'members.email' };

export class MemberService {
  constructor(private readonly db: Database) {}

  list(): Promise<Member[]> {
    return this.db.manager.find(MemberEntity, { order: { id: 'ASC' } });
  }

  async get(id: number): Promise<Member> {
    const member = await this.db.manager.findOneBy(MemberEntity, { id });
    if (!member) throw new AppError('not_found', `member ${id} does not exist`);
    return member;
  }

  async create(input: MemberInput): Promise<Member> {
    const now = new Date();
    return this.saveUnique(input.email, async () => {
      const result = await this.db.manager.insert(MemberEntity, { ...input, createdAt: now, updatedAt: now });
      return this.get(Number(result.identifiers[0].id));
    });
  }

  async update(id: number, input: Partial<MemberInput>): Promise<Member> {
    await this.get(id);
    return this.saveUnique(input.email ?? null, async () => {
      await this.db.manager.update(MemberEntity, id, { ...input, updatedAt: new Date() });
      return this.get(id);
    });
  }

  async remove(id: number): Promise<void> {
    await this.get(id);
    await this.db.manager.delete(MemberEntity, id);
  }

  private async saveUnique(email: string | null, save: () => Promise<Member>): Promise<Member> {
    try {
      return await save();
    } catch (error) {
      if (isUniqueViolation(error, EMAIL_INDEX)) throw new AppError('conflict', `a member with email "${email}" already exists`);
      throw error;
    }
  }
}
