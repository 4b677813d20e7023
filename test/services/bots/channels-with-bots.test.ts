/** Which channels have an enabled bot: one query, kept briefly, seen at once after a change made here. */
import { ChannelsWithBots } from '../../../src/services/bots/channels-with-bots.js';
import { createChannel } from '../../support/admin-helpers.js';
import { startTestService, type TestService } from '../../support/test-service.js';

describe('ChannelsWithBots', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService('sqlite', 'channels_with_bots');
  });
  afterAll(() => service.stop());

  const slackBot = (channelId: number, enabled = true) =>
    service.api('POST', `/channels/${channelId}/bots`, { name: 'ops', kind: 'slack', url: 'http://127.0.0.1:9/slack/services/T1/B1/x', enabled });

  it('keeps its answer for its time, forgets it on invalidate(), and counts only enabled bots', async () => {
    const withBot = await createChannel(service, 'with-bot');
    const disabledOnly = await createChannel(service, 'disabled-only');
    const kept = new ChannelsWithBots(service.db, 60_000);
    expect(await kept.has(withBot.id)).toBe(false);

    expect((await slackBot(withBot.id)).status).toBe(201);
    expect((await slackBot(disabledOnly.id, false)).status).toBe(201);
    // A bot saved elsewhere is not seen until the kept answer expires …
    expect(await kept.has(withBot.id)).toBe(false);
    kept.invalidate();
    // … or is dropped, as this instance's own bot changes do.
    expect(await kept.has(withBot.id)).toBe(true);
    expect(await kept.has(disabledOnly.id)).toBe(false);

    const fresh = new ChannelsWithBots(service.db, 0);
    expect(await fresh.has(withBot.id)).toBe(true);
  });
});
