import { z } from 'zod';

/** The only reader of process.env. Everything else receives an AppConfig. */

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const urlWithProtocols = (protocols: string[]) =>
  optionalString.refine(
    (value) => {
      if (value === undefined) return true;
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}` },
  );

export const DEFAULT_SCHEDULER_POLL_MS = 1000;

const configSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  DATABASE_URL: urlWithProtocols(['mysql:', 'mariadb:']),
  REDIS_URL: urlWithProtocols(['redis:', 'rediss:']),
  ADMIN_TOKEN: optionalString.refine((value) => value === undefined || value.length >= 16, {
    message: 'must be at least 16 characters',
  }),
  PUBLIC_BASE_URL: urlWithProtocols(['http:', 'https:']),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ESCALATION_SWEEP_SECONDS: z.coerce.number().min(1).max(3600).default(30),
  SCHEDULER_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(DEFAULT_SCHEDULER_POLL_MS),
  SLACK_BOT_TOKEN: optionalString.refine((value) => value === undefined || value.startsWith('xoxb-'), { message: 'must be a bot token (xoxb-…)' }),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString.refine((value) => value === undefined || value.startsWith('xapp-'), { message: 'must be an app-level token (xapp-…)' }),
  SLACK_CONNECTION: z.enum(['http', 'socket']).default('http'),
  SLACK_API_URL: urlWithProtocols(['http:', 'https:']),
  FEISHU_APP_ID: optionalString,
  FEISHU_APP_SECRET: optionalString,
  FEISHU_VERIFICATION_TOKEN: optionalString,
  FEISHU_ENCRYPT_KEY: optionalString,
  FEISHU_DOMAIN: optionalString.refine((value) => value === undefined || ['feishu', 'lark'].includes(value) || /^https?:\/\//.test(value), {
    message: 'must be feishu, lark or a base URL such as https://open.feishu.cn',
  }),
  FEISHU_CONNECTION: z.enum(['webhook', 'websocket']).default('webhook'),
}).superRefine((values, ctx) => {
  if (values.SLACK_BOT_TOKEN && values.SLACK_CONNECTION === 'http' && !values.SLACK_SIGNING_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['SLACK_SIGNING_SECRET'], message: 'the Slack app over HTTP needs its signing secret' });
  }
  if (values.SLACK_BOT_TOKEN && values.SLACK_CONNECTION === 'socket' && !values.SLACK_APP_TOKEN) {
    ctx.addIssue({ code: 'custom', path: ['SLACK_APP_TOKEN'], message: 'Socket Mode needs an app-level token (xapp-…) with connections:write' });
  }
  if (Boolean(values.FEISHU_APP_ID) !== Boolean(values.FEISHU_APP_SECRET)) {
    ctx.addIssue({ code: 'custom', path: ['FEISHU_APP_SECRET'], message: 'FEISHU_APP_ID and FEISHU_APP_SECRET go together' });
  }
  if (values.FEISHU_APP_ID && values.FEISHU_CONNECTION === 'webhook' && !values.FEISHU_VERIFICATION_TOKEN && !values.FEISHU_ENCRYPT_KEY) {
    ctx.addIssue({
      code: 'custom',
      path: ['FEISHU_VERIFICATION_TOKEN'],
      message: 'webhook mode needs FEISHU_VERIFICATION_TOKEN or FEISHU_ENCRYPT_KEY so callbacks can be verified',
    });
  }
});

const FEISHU_DOMAINS: Record<string, string> = { feishu: 'https://open.feishu.cn', lark: 'https://open.larksuite.com' };

export interface FeishuAppConfig {
  appId: string;
  appSecret: string;
  verificationToken?: string;
  encryptKey?: string;
  /** Open API base URL: Feishu, Lark, or (in tests) a local fake. */
  domain: string;
  connection: 'webhook' | 'websocket';
}

export type DatabaseConfig =
  | { kind: 'sqlite'; file: string }
  | { kind: 'mysql'; url: string };

export interface SlackAppConfig {
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  connection: 'http' | 'socket';
  /** Web API base, e.g. https://slack.com/api/ (a local fake in tests). */
  apiUrl?: string;
  /** How long one Web API request may take before it counts as failed (and is retried); default 10 s. */
  requestTimeoutMs?: number;
  /** chat.update calls per workspace (Slack's Tier 3); default 50 a minute with bursts of 10. Not from the environment. */
  updateLimit?: { perMinute: number; burst: number };
  /** Waits between auth.test attempts while Slack cannot be reached at start; default 1 s doubling to 60 s. Not from the environment. */
  identityRetry?: { firstDelayMs: number; maxDelayMs: number };
}

export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  database: DatabaseConfig;
  redisUrl?: string;
  /**
   * Prefix of the scheduler's keys in Redis (default 'agenda:'). Every service on one Redis database with the same
   * prefix shares one job store and runs its jobs against its own application database: services that do not
   * share an application database need different prefixes (or Redis databases).
   */
  redisKeyPrefix?: string;
  /** Undefined means: generate one on first start and keep it in DATA_DIR. */
  adminToken?: string;
  publicBaseUrl: string;
  logLevel: z.infer<typeof configSchema>['LOG_LEVEL'];
  /** How often every instance looks for escalation steps whose timer was lost. */
  escalationSweepSeconds: number;
  /** How often the scheduler (Agenda) looks for due jobs. */
  schedulerPollMs?: number;
  /**
   * How long an escalation page may stay undelivered, with nobody renewing it, before the sweep delivers it again
   * (its instance died between taking the step and sending the page); default in escalation-deliveries.ts.
   */
  escalationRedeliveryMs?: number;
  /** Retry pace of incident cards a platform could not take (unavailable, rate limited); defaults in card-sync.service.ts. */
  cardRedelivery?: { firstDelayMs: number; maxDelayMs: number };
  /** Present when the Slack app is configured. */
  slack?: SlackAppConfig;
  /** Present when the Feishu/Lark app is configured. */
  feishu?: FeishuAppConfig;
}

/** Every environment variable the service reads (the documentation lists them all: tested). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(configSchema.shape);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  // A variable set to blank (as a copied .env.example leaves it) means "use the default".
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const values = parsed.data;
  const dataDir = values.DATA_DIR;
  return {
    port: values.PORT,
    host: values.HOST,
    dataDir,
    database: values.DATABASE_URL
      ? { kind: 'mysql', url: values.DATABASE_URL.replace(/^mariadb:/, 'mysql:') }
      : { kind: 'sqlite', file: `${dataDir.replace(/\/$/, '')}/oncall.sqlite` },
    redisUrl: values.REDIS_URL,
    adminToken: values.ADMIN_TOKEN,
    publicBaseUrl: (values.PUBLIC_BASE_URL ?? `http://localhost:${values.PORT}`).replace(/\/+$/, ''),
    logLevel: values.LOG_LEVEL,
    escalationSweepSeconds: values.ESCALATION_SWEEP_SECONDS,
    schedulerPollMs: values.SCHEDULER_POLL_MS,
    slack: values.SLACK_BOT_TOKEN
      ? {
          botToken: values.SLACK_BOT_TOKEN,
          signingSecret: values.SLACK_SIGNING_SECRET,
          appToken: values.SLACK_APP_TOKEN,
          connection: values.SLACK_CONNECTION,
          apiUrl: values.SLACK_API_URL ? values.SLACK_API_URL.replace(/\/*$/, '/') : undefined,
        }
      : undefined,
    feishu:
      values.FEISHU_APP_ID && values.FEISHU_APP_SECRET
        ? {
            appId: values.FEISHU_APP_ID,
            appSecret: values.FEISHU_APP_SECRET,
            verificationToken: values.FEISHU_VERIFICATION_TOKEN,
            encryptKey: values.FEISHU_ENCRYPT_KEY,
            domain: (FEISHU_DOMAINS[values.FEISHU_DOMAIN ?? 'feishu'] ?? values.FEISHU_DOMAIN!).replace(/\/+$/, ''),
            connection: values.FEISHU_CONNECTION,
          }
        : undefined,
  };
}
