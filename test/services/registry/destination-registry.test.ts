import type { Destination, GroupNotices, IncidentCards } from '../../../src/services/ports/capabilities.js';
import { DestinationRegistry } from '../../../src/services/registry/destination-registry.js';

const sent: string[] = [];
const notices = (name: string): GroupNotices => ({ sendChatNotice: async (chatId, text) => void sent.push(`${name}:${chatId}:${text}`) });
const cards: IncidentCards = { postIncidentCard: async () => 'm1', updateIncidentCard: async () => 'updated' };

const app: Destination = { name: 'app', capabilities: { cards, notices: notices('app') } };
const bot: Destination = { name: 'bot', capabilities: { notices: notices('bot') } };

describe('DestinationRegistry', () => {
  it('lists only the destinations that have a capability, in registration order', async () => {
    const registry = new DestinationRegistry([app, bot]);
    expect(registry.with('cards').map((found) => found.name)).toEqual(['app']);
    expect(registry.with('notices').map((found) => found.name)).toEqual(['app', 'bot']);
    expect(registry.with('direct')).toEqual([]);
    for (const found of registry.with('notices')) await found.capability.sendChatNotice('c1', 'hello', []);
    expect(sent).toEqual(['app:c1:hello', 'bot:c1:hello']);
  });

  it('finds one capability by destination name; undefined when the destination cannot do it or does not exist', () => {
    const registry = new DestinationRegistry([app, bot]);
    expect(registry.capability('app', 'cards')).toBe(cards);
    expect(registry.capability('bot', 'cards')).toBeUndefined();
    expect(registry.capability('nobody', 'notices')).toBeUndefined();
    expect(registry.names()).toEqual(['app', 'bot']);
  });

  it('refuses a second destination with a name already taken', () => {
    const registry = new DestinationRegistry([app]);
    expect(() => registry.register({ name: 'app', capabilities: {} })).toThrow('destination app registered twice');
  });
});
