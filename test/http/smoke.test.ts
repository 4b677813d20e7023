import { DATABASE_KINDS } from '../support/databases.js';
import { hookPath, startTestService, type TestService } from '../support/test-service.js';

describe.each(DATABASE_KINDS)('service on %s', (kind) => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService(kind, 'smoke');
  });
  afterAll(async () => {
    await service.stop();
  });

  it('turns a Feishu text message into a triggered Warning incident titled "Feishu Alert"', async () => {
    const channel = await service.api('POST', '/channels', { name: 'sre' });
    const integration = await service.api('POST', '/integrations', { name: 'grafana', channelId: channel.body.id });
    expect(integration.status).toBe(201);
    const answer = await service.post(hookPath(integration.body.url), { msg_type: 'text', content: { text: 'CPU high on db-1' } });
    expect(answer.body).toEqual({ StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' });
    const list = await service.api('GET', '/incidents');
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ title: 'Feishu Alert', description: 'CPU high on db-1', severity: 'warning', status: 'triggered', channelId: channel.body.id });
  });
});
