import { CONFIG_VARIABLES } from '../../src/config/config.js';
import { PLATFORMS, describePlatforms } from '../../src/platforms/index.js';
import { CAPABILITY_NAMES } from '../../src/services/ports/capabilities.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe('destination types: one description per IM app drives config, the admin API and OpenAPI', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService('sqlite', 'destination-types', {
      feishu: { appId: 'cli_types', appSecret: 'app-secret-value', verificationToken: 'verification-token-value', domain: 'http://127.0.0.1:9', connection: 'webhook' },
    });
  });
  afterAll(() => service.stop());

  it('every variable a platform fragment parses is described (read from the fragment itself) and read by the configuration', () => {
    for (const described of describePlatforms([])) {
      const platform = PLATFORMS.find((candidate) => candidate.name === described.name)!;
      expect(described.fields.map((field) => field.name).sort()).toEqual(Object.keys(platform.config.env).sort());
      for (const field of described.fields) {
        expect(field.description).not.toBe('');
        // Tokens, secrets and keys are write-only wherever the description is shown.
        expect({ name: field.name, secret: field.secret }).toEqual({ name: field.name, secret: /SECRET|TOKEN|_KEY$/.test(field.name) });
        expect(CONFIG_VARIABLES).toContain(field.name);
      }
    }
  });

  it('GET /destination-types lists each app with its capabilities and fields, enabled only where configured', async () => {
    const { status, body } = await service.api('GET', '/destination-types');
    expect(status).toBe(200);
    const byName = Object.fromEntries(body.items.map((item: { name: string }) => [item.name, item]));
    const bots = ['feishu-bot', 'dingtalk-bot', 'wecom-bot', 'telegram-bot', 'slack-bot', 'zoom-bot'];
    expect(Object.keys(byName).sort()).toEqual([...PLATFORMS.map((platform) => platform.name), ...bots].sort());
    expect(byName.feishu).toMatchObject({ enabled: true, configuredBy: 'environment', capabilities: [...CAPABILITY_NAMES] });
    expect(byName.slack.enabled).toBe(false);
    expect(byName.feishu.fields.find((field: { name: string }) => field.name === 'FEISHU_APP_SECRET')).toMatchObject({ secret: true, description: 'App Secret' });
    // Group bots: set up per bot through the admin API, group notices only; their URL and secrets are write-only.
    for (const bot of bots) expect(byName[bot]).toMatchObject({ enabled: true, configuredBy: 'admin_api', capabilities: ['notices'] });
    const field = (type: string, name: string) => byName[type].fields.find((candidate: { name: string }) => candidate.name === name);
    expect(field('dingtalk-bot', 'url')).toMatchObject({ secret: true, required: true });
    expect(field('dingtalk-bot', 'secret')).toMatchObject({ secret: true, required: false });
    expect(field('zoom-bot', 'secret')).toMatchObject({ secret: true, required: true });
    expect(field('telegram-bot', 'chatId')).toMatchObject({ secret: false, required: true });
    expect(field('slack-bot', 'keyword')).toBeUndefined();
    // A description, never a value: the configured secrets appear nowhere in the answer.
    expect(JSON.stringify(body)).not.toMatch(/app-secret-value|verification-token-value/);
  });

  it('needs the admin token, and is in the OpenAPI document with its schema', async () => {
    expect((await fetch(`${service.url}/api/v1/destination-types`)).status).toBe(401);
    const document = (await (await fetch(`${service.url}/api/v1/openapi.json`)).json()) as any;
    expect(document.paths['/destination-types'].get.responses['200']).toBeDefined();
    expect(document.components.schemas.DestinationType.properties.capabilities.items.enum).toEqual([...CAPABILITY_NAMES]);
  });
});
