import type { Member } from '../../../src/db/entities/member.entity.js';
import { LinkedMemberCache } from '../../../src/services/identity/linked-member-cache.js';

const member = (id: number, name: string): Member => ({ id, name, email: null, phone: null, isAdmin: false, contactMethods: null, createdAt: new Date(0), updatedAt: new Date(0) });

describe('LinkedMemberCache', () => {
  let now = 1_000_000;
  const cache = () => new LinkedMemberCache(5000, () => now);

  it('keeps a link for the TTL, per platform and account', () => {
    const links = cache();
    links.set('feishu', 'ou_1', member(1, 'Alice'), links.stamp());
    expect(links.get('feishu', 'ou_1')?.name).toBe('Alice');
    expect(links.get('slack', 'ou_1')).toBeUndefined();
    expect(links.get('feishu', 'ou_2')).toBeUndefined();
    now += 4999;
    expect(links.get('feishu', 'ou_1')?.name).toBe('Alice');
    now += 1;
    expect(links.get('feishu', 'ou_1')).toBeUndefined();
  });

  it('forgets a changed link at once, and does not keep a lookup that began before the change', () => {
    const links = cache();
    links.set('feishu', 'ou_1', member(1, 'Alice'), links.stamp());
    const before = links.stamp();
    links.forget('feishu', 'ou_1');
    expect(links.get('feishu', 'ou_1')).toBeUndefined();
    links.set('feishu', 'ou_1', member(1, 'Alice'), before);
    expect(links.get('feishu', 'ou_1')).toBeUndefined();
    links.set('feishu', 'ou_1', member(2, 'Bob'), links.stamp());
    expect(links.get('feishu', 'ou_1')?.name).toBe('Bob');
  });
});
