/** The DingTalk app's configuration fragment, through loadConfig as the service reads it. */
import { ConfigError, loadConfig } from '../../../src/config/config.js';
import { describePlatforms } from '../../../src/platforms/index.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('DingTalk configuration', () => {
  it('unset (or blank) means no DingTalk app', () => {
    expect(loadConfig({}).dingtalk).toBeUndefined();
    expect(loadConfig({ DINGTALK_CLIENT_ID: ' ', DINGTALK_CLIENT_SECRET: '', DINGTALK_ROBOT_CODE: '' }).dingtalk).toBeUndefined();
  });

  it('client id, secret and robot code turn it on, with the real API bases by default and no template', () => {
    expect(loadConfig({ DINGTALK_CLIENT_ID: 'dingabc', DINGTALK_CLIENT_SECRET: 's3cret', DINGTALK_ROBOT_CODE: 'dingabc' }).dingtalk).toEqual({
      clientId: 'dingabc',
      clientSecret: 's3cret',
      robotCode: 'dingabc',
      cardTemplateId: undefined,
      apiBaseUrl: 'https://api.dingtalk.com',
      oapiBaseUrl: 'https://oapi.dingtalk.com',
    });
  });

  it('takes a card template and API base overrides (trailing slashes dropped)', () => {
    const config = loadConfig({
      DINGTALK_CLIENT_ID: 'dingabc',
      DINGTALK_CLIENT_SECRET: 's3cret',
      DINGTALK_ROBOT_CODE: 'robot1',
      DINGTALK_CARD_TEMPLATE_ID: 'abc.schema',
      DINGTALK_API_BASE_URL: 'http://127.0.0.1:9999/',
      DINGTALK_OAPI_BASE_URL: 'http://127.0.0.1:9998//',
    }).dingtalk;
    expect(config).toMatchObject({ robotCode: 'robot1', cardTemplateId: 'abc.schema', apiBaseUrl: 'http://127.0.0.1:9999', oapiBaseUrl: 'http://127.0.0.1:9998' });
  });

  it('a partial setup names every missing variable', () => {
    const found = problems({ DINGTALK_CLIENT_ID: 'dingabc' });
    expect(found).toEqual([
      expect.stringMatching(/^DINGTALK_CLIENT_SECRET: /),
      expect.stringMatching(/^DINGTALK_ROBOT_CODE: /),
    ]);
  });

  it('refuses an API base that is not an http(s) URL', () => {
    expect(problems({ DINGTALK_CLIENT_ID: 'a', DINGTALK_CLIENT_SECRET: 'b', DINGTALK_ROBOT_CODE: 'c', DINGTALK_API_BASE_URL: 'ftp://x' })).toEqual([
      expect.stringMatching(/^DINGTALK_API_BASE_URL: must be a URL/),
    ]);
  });

  it('is described as a destination type whose secret is write-only', () => {
    const dingtalk = describePlatforms([]).find((type) => type.name === 'dingtalk')!;
    expect(dingtalk).toMatchObject({ label: 'DingTalk app', enabled: false, capabilities: ['cards', 'notices', 'direct', 'directory', 'commands'] });
    const secret = (dingtalk.fields as Array<{ name: string; secret: boolean }>).find((field) => field.name === 'DINGTALK_CLIENT_SECRET');
    expect(secret?.secret).toBe(true);
  });
});
