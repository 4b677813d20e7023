/**
 * A tenant token Feishu stops taking before its stated expiry (the app secret was reset, the token revoked): the
 * next Open API call fails with 99991663, the app fetches a new token and the call goes through, with no lost card.
 */
import { FeishuAppWorld } from '../../support/feishu-app-world.js';

describe('Feishu tenant token refused before its expiry (SQLite)', () => {
  let world: FeishuAppWorld;
  beforeAll(async () => {
    world = await FeishuAppWorld.start('sqlite', 'feishu_token_refresh');
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('fetches a new token and still posts the card, then keeps using the new token', async () => {
    const setup = await world.boundChat();
    await world.triggerWithCard(setup);
    const tokenFetches = () => world.fake.state.requestsTo('/open-apis/auth/v3/tenant_access_token/internal').length;
    expect(tokenFetches()).toBe(1);

    world.fake.state.revokeTokens();
    await world.triggerWithCard(setup);
    expect(tokenFetches()).toBe(2);
    const refused = world.fake.state.requestsTo('/open-apis/im/v1/messages', 'POST').filter((request) => request.code === 99991663);
    expect(refused).toHaveLength(1);

    await world.triggerWithCard(setup);
    expect(tokenFetches()).toBe(2);
    expect(world.fake.state.cardsInChat(setup.chatId)).toHaveLength(3);
  });
});
