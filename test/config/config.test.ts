import { readFileSync } from 'node:fs';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../src/config/config.js';

/** Calls loadConfig and returns the ConfigError it throws (fails the test otherwise). */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig: defaults', () => {
  it('an empty environment gives sqlite under ./data on port 8080', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      escalationSweepSeconds: 30,
      schedulerPollMs: 1000,
      host: '0.0.0.0',
      dataDir: './data',
      database: { kind: 'sqlite', file: './data/oncall.sqlite' },
      redisUrl: undefined,
      adminToken: undefined,
      publicBaseUrl: 'http://localhost:8080',
      detailsLinks: { key: undefined, previous: undefined, ttlAfterCloseMs: 30 * 86_400_000 },
      logLevel: 'info',
      adminTokenLimits: { perAddress: 5, total: 100, windowMs: 15 * 60_000 },
      trustProxyHops: 0,
      feishu: undefined,
    });
  });

  it('reads the admin token limits and the proxies in front', () => {
    const config = loadConfig({ ADMIN_TOKEN_FAILURES_PER_ADDRESS: '3', ADMIN_TOKEN_FAILURES_TOTAL: '40', ADMIN_TOKEN_FAILURE_WINDOW: '1h', TRUST_PROXY_HOPS: '1' });
    expect(config.adminTokenLimits).toEqual({ perAddress: 3, total: 40, windowMs: 3_600_000 });
    expect(config.trustProxyHops).toBe(1);
  });

  it.each([
    ['30d', 30 * 86_400_000],
    ['7', 7 * 86_400_000],
    ['12h', 12 * 3_600_000],
    ['90m', 90 * 60_000],
    ['0', 0],
  ])('DETAILS_LINK_TTL_AFTER_CLOSE %j -> %d ms', (value, ms) => {
    expect(loadConfig({ DETAILS_LINK_TTL_AFTER_CLOSE: value }).detailsLinks?.ttlAfterCloseMs).toBe(ms);
  });

  it('reads a rotated Details link key with the end of its grace', () => {
    const config = loadConfig({
      DETAILS_LINK_KEY: 'k'.repeat(32),
      DETAILS_LINK_PREVIOUS_KEY: 'p'.repeat(32),
      DETAILS_LINK_PREVIOUS_KEY_UNTIL: '2026-12-31T00:00:00Z',
    });
    expect(config.detailsLinks).toEqual({ key: 'k'.repeat(32), previous: { key: 'p'.repeat(32), until: new Date('2026-12-31T00:00:00Z') }, ttlAfterCloseMs: 30 * 86_400_000 });
  });

  it.each([
    [{ DETAILS_LINK_KEY: 'short' }, 'DETAILS_LINK_KEY: must be at least 32 characters'],
    [{ DETAILS_LINK_PREVIOUS_KEY: 'p'.repeat(32) }, 'DETAILS_LINK_PREVIOUS_KEY_UNTIL: required with DETAILS_LINK_PREVIOUS_KEY (when the old key stops being accepted)'],
    [{ DETAILS_LINK_PREVIOUS_KEY_UNTIL: '2026-12-31' }, 'DETAILS_LINK_PREVIOUS_KEY_UNTIL: only means something with DETAILS_LINK_PREVIOUS_KEY'],
    [{ DETAILS_LINK_PREVIOUS_KEY: 'p'.repeat(32), DETAILS_LINK_PREVIOUS_KEY_UNTIL: 'next week' }, 'DETAILS_LINK_PREVIOUS_KEY_UNTIL: must be an ISO 8601 date or date-time with its zone, e.g. 2026-12-31T00:00:00Z'],
    [{ DETAILS_LINK_KEY: 'k'.repeat(32), DETAILS_LINK_PREVIOUS_KEY: 'k'.repeat(32), DETAILS_LINK_PREVIOUS_KEY_UNTIL: '2026-12-31' }, 'DETAILS_LINK_PREVIOUS_KEY: is the same as DETAILS_LINK_KEY'],
    [{ DETAILS_LINK_TTL_AFTER_CLOSE: '1 month' }, 'DETAILS_LINK_TTL_AFTER_CLOSE: must be a duration such as 30d, 12h, 90m or 45s (a bare number means days)'],
  ])('refuses Details link settings %j', (env, problem) => {
    expect(() => loadConfig(env)).toThrow(expect.objectContaining({ problems: [problem] }));
  });

  it.each([
    ['/var/lib/oncall', '/var/lib/oncall/oncall.sqlite'],
    ['/var/lib/oncall/', '/var/lib/oncall/oncall.sqlite'],
    ['relative/dir', 'relative/dir/oncall.sqlite'],
    ['  /trimmed  ', '/trimmed/oncall.sqlite'],
  ])('DATA_DIR %j -> sqlite file %j', (dataDir, file) => {
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config.database).toEqual({ kind: 'sqlite', file });
    expect(config.dataDir).toBe(dataDir.trim());
  });

  it.each([
    ['3000', 3000, 'http://localhost:3000'],
    ['1', 1, 'http://localhost:1'],
    ['65535', 65535, 'http://localhost:65535'],
  ])('PORT %j -> %j, publicBaseUrl follows the port', (port, expected, publicBaseUrl) => {
    const config = loadConfig({ PORT: port });
    expect(config.port).toBe(expected);
    expect(config.publicBaseUrl).toBe(publicBaseUrl);
  });

  it('an explicit PUBLIC_BASE_URL is not replaced by the port', () => {
    expect(loadConfig({ PORT: '3000', PUBLIC_BASE_URL: 'https://oncall.example.com' }).publicBaseUrl).toBe('https://oncall.example.com');
  });

  it.each([
    ['https://oncall.example.com/', 'https://oncall.example.com'],
    ['https://oncall.example.com///', 'https://oncall.example.com'],
    ['http://10.0.0.5:8080/oncall/', 'http://10.0.0.5:8080/oncall'],
    ['https://oncall.example.com', 'https://oncall.example.com'],
    ['   ', 'http://localhost:8080'],
  ])('PUBLIC_BASE_URL %j -> %j', (value, expected) => {
    expect(loadConfig({ PUBLIC_BASE_URL: value }).publicBaseUrl).toBe(expected);
  });

  it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const)('LOG_LEVEL %s is accepted', (level) => {
    expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
  });

  it('keeps a long enough ADMIN_TOKEN, trimmed', () => {
    expect(loadConfig({ ADMIN_TOKEN: '  0123456789abcdef  ' }).adminToken).toBe('0123456789abcdef');
  });

  it('a blank ADMIN_TOKEN means "generate one"', () => {
    expect(loadConfig({ ADMIN_TOKEN: '   ' }).adminToken).toBeUndefined();
  });

  it('ignores unrelated variables', () => {
    expect(loadConfig({ HOME: '/root', PATH: '/usr/bin' }).port).toBe(8080);
  });
});

describe('loadConfig: DATABASE_URL', () => {
  it.each([
    ['mysql://user:pw@db:3306/oncall', 'mysql://user:pw@db:3306/oncall'],
    ['mariadb://user:pw@db:3306/oncall', 'mysql://user:pw@db:3306/oncall'],
    ['  mysql://db/oncall  ', 'mysql://db/oncall'],
  ])('%j -> mysql %j', (value, url) => {
    expect(loadConfig({ DATABASE_URL: value, DATA_DIR: '/data' }).database).toEqual({ kind: 'mysql', url });
  });

  it('an empty DATABASE_URL means sqlite', () => {
    expect(loadConfig({ DATABASE_URL: '' }).database).toEqual({ kind: 'sqlite', file: './data/oncall.sqlite' });
  });

  it.each(['postgres://db/oncall', 'sqlite:///data/x.db', 'http://db', 'not a url', 'db:3306'])('%j is rejected naming DATABASE_URL', (value) => {
    const error = configError({ DATABASE_URL: value });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^DATABASE_URL: /);
    expect(error.problems[0]).toContain('mysql://');
    expect(error.problems[0]).toContain('mariadb://');
    expect(error.message).toContain('DATABASE_URL');
  });
});

describe('loadConfig: rejected values name the variable', () => {
  it.each<[string, Record<string, string>, string]>([
    ['PORT not a number', { PORT: 'abc' }, 'PORT'],
    ['PORT zero', { PORT: '0' }, 'PORT'],
    ['PORT negative', { PORT: '-1' }, 'PORT'],
    ['PORT too large', { PORT: '65536' }, 'PORT'],
    ['PORT fractional', { PORT: '80.5' }, 'PORT'],
    ['ADMIN_TOKEN of 15 characters', { ADMIN_TOKEN: '0123456789abcde' }, 'ADMIN_TOKEN'],
    ['ADMIN_TOKEN short', { ADMIN_TOKEN: 'secret' }, 'ADMIN_TOKEN'],
    ['LOG_LEVEL unknown', { LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
    ['LOG_LEVEL wrong case', { LOG_LEVEL: 'INFO' }, 'LOG_LEVEL'],
    ['PUBLIC_BASE_URL without http(s)', { PUBLIC_BASE_URL: 'ftp://example.com' }, 'PUBLIC_BASE_URL'],
    ['PUBLIC_BASE_URL not a URL', { PUBLIC_BASE_URL: 'oncall.example.com' }, 'PUBLIC_BASE_URL'],
    ['REDIS_URL with another protocol', { REDIS_URL: 'http://redis:6379' }, 'REDIS_URL'],
    ['ADMIN_TOKEN_FAILURES_PER_ADDRESS zero', { ADMIN_TOKEN_FAILURES_PER_ADDRESS: '0' }, 'ADMIN_TOKEN_FAILURES_PER_ADDRESS'],
    ['ADMIN_TOKEN_FAILURES_TOTAL not a number', { ADMIN_TOKEN_FAILURES_TOTAL: 'many' }, 'ADMIN_TOKEN_FAILURES_TOTAL'],
    ['ADMIN_TOKEN_FAILURE_WINDOW of no time', { ADMIN_TOKEN_FAILURE_WINDOW: '0s' }, 'ADMIN_TOKEN_FAILURE_WINDOW'],
    ['ADMIN_TOKEN_FAILURE_WINDOW not a duration', { ADMIN_TOKEN_FAILURE_WINDOW: 'a while' }, 'ADMIN_TOKEN_FAILURE_WINDOW'],
    ['TRUST_PROXY_HOPS negative', { TRUST_PROXY_HOPS: '-1' }, 'TRUST_PROXY_HOPS'],
  ])('%s', (_name, env, variable) => {
    const error = configError(env);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0].startsWith(`${variable}: `)).toBe(true);
    expect(error.message).toContain(`  - ${variable}: `);
  });

  it('the ADMIN_TOKEN problem says how long it must be', () => {
    expect(configError({ ADMIN_TOKEN: 'short' }).problems).toEqual(['ADMIN_TOKEN: must be at least 16 characters']);
  });

  it('reports every bad variable at once', () => {
    const error = configError({ PORT: 'x', DATABASE_URL: 'postgres://db', ADMIN_TOKEN: 'short', LOG_LEVEL: 'loud' });
    const names = error.problems.map((problem) => problem.split(':')[0]).sort();
    expect(names).toEqual(['ADMIN_TOKEN', 'DATABASE_URL', 'LOG_LEVEL', 'PORT']);
    expect(error.message.startsWith('Invalid configuration:\n')).toBe(true);
  });
});

describe('loadConfig: optional services', () => {
  it.each([
    ['redis://redis:6379', 'redis://redis:6379'],
    ['rediss://user:pw@redis:6380/0', 'rediss://user:pw@redis:6380/0'],
  ])('REDIS_URL %j', (value, expected) => {
    expect(loadConfig({ REDIS_URL: value }).redisUrl).toBe(expected);
  });

  it('configures the Feishu app with the feishu domain by default', () => {
    expect(loadConfig({ FEISHU_APP_ID: 'cli_a', FEISHU_APP_SECRET: 's', FEISHU_VERIFICATION_TOKEN: 'v' }).feishu).toEqual({
      appId: 'cli_a',
      appSecret: 's',
      verificationToken: 'v',
      encryptKey: undefined,
      domain: 'https://open.feishu.cn',
      connection: 'webhook',
    });
  });

  it.each([
    ['lark', 'https://open.larksuite.com'],
    ['feishu', 'https://open.feishu.cn'],
    ['http://127.0.0.1:9999/', 'http://127.0.0.1:9999'],
  ])('FEISHU_DOMAIN %j -> %j', (domain, expected) => {
    const config = loadConfig({ FEISHU_APP_ID: 'cli_a', FEISHU_APP_SECRET: 's', FEISHU_CONNECTION: 'websocket', FEISHU_DOMAIN: domain });
    expect(config.feishu?.domain).toBe(expected);
    expect(config.feishu?.connection).toBe('websocket');
  });

  it.each<[string, Record<string, string>, string]>([
    ['app id without secret', { FEISHU_APP_ID: 'cli_a', FEISHU_VERIFICATION_TOKEN: 'v' }, 'FEISHU_APP_SECRET'],
    ['secret without app id', { FEISHU_APP_SECRET: 's' }, 'FEISHU_APP_SECRET'],
    ['webhook mode without token or key', { FEISHU_APP_ID: 'cli_a', FEISHU_APP_SECRET: 's' }, 'FEISHU_VERIFICATION_TOKEN'],
    ['bad domain', { FEISHU_APP_ID: 'cli_a', FEISHU_APP_SECRET: 's', FEISHU_ENCRYPT_KEY: 'k', FEISHU_DOMAIN: 'open.feishu.cn' }, 'FEISHU_DOMAIN'],
    ['bad connection', { FEISHU_CONNECTION: 'polling' }, 'FEISHU_CONNECTION'],
  ])('%s names %s', (_name, env, variable) => {
    const error = configError(env);
    expect(error.problems.some((problem) => problem.startsWith(`${variable}: `))).toBe(true);
  });

  it('an encrypt key alone is enough in webhook mode', () => {
    expect(loadConfig({ FEISHU_APP_ID: 'cli_a', FEISHU_APP_SECRET: 's', FEISHU_ENCRYPT_KEY: 'k' }).feishu?.encryptKey).toBe('k');
  });
});

describe('documented configuration', () => {
  const root = new URL('../../', import.meta.url);
  const envExample = readFileSync(new URL('.env.example', root), 'utf8');
  const readme = readFileSync(new URL('README.md', root), 'utf8');

  it.each(CONFIG_VARIABLES.map((name) => [name]))('%s is in .env.example and in the README configuration table', (name) => {
    expect(envExample).toMatch(new RegExp(`^${name}=`, 'm'));
    expect(readme).toMatch(new RegExp(`^\\| [^|]*\`${name}\``, 'm'));
  });

  it('.env.example lists nothing the service does not read', () => {
    const listed = [...envExample.matchAll(/^([A-Z_]+)=/gm)].map((match) => match[1]);
    expect(listed.filter((name) => !CONFIG_VARIABLES.includes(name))).toEqual([]);
  });
});
