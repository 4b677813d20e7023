import { z } from 'zod';
import { PLATFORMS, type PlatformConfigs } from '../platforms/index.js';
import type { PlatformConfigFragment } from '../platforms/platform-module.js';
import { durationMs, optionalInstant, optionalString, urlWithProtocols } from './env-fields.js';
import { DEFAULT_ADMIN_TOKEN_LIMITS } from '../services/admin-sessions/admin-token-limiter.js';
import type { FailureLimits } from '../lib/failure-windows.js';

/** The only reader of process.env. Everything else receives an AppConfig. */

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
  METRICS_TOKEN: optionalString.refine((value) => value === undefined || value.length >= 16, {
    message: 'must be at least 16 characters',
  }),
  DETAILS_LINK_KEY: optionalString.refine((value) => value === undefined || value.length >= 32, { message: 'must be at least 32 characters' }),
  DETAILS_LINK_PREVIOUS_KEY: optionalString.refine((value) => value === undefined || value.length >= 32, { message: 'must be at least 32 characters' }),
  DETAILS_LINK_PREVIOUS_KEY_UNTIL: optionalInstant,
  DETAILS_LINK_TTL_AFTER_CLOSE: durationMs('30d'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  ESCALATION_SWEEP_SECONDS: z.coerce.number().min(1).max(3600).default(30),
  SCHEDULER_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(DEFAULT_SCHEDULER_POLL_MS),
  CONSOLE_SESSION_MINUTES: z.coerce.number().int().min(5).max(43_200).optional(),
  ADMIN_TOKEN_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(1000).default(DEFAULT_ADMIN_TOKEN_LIMITS.perAddress),
  ADMIN_TOKEN_FAILURES_TOTAL: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_ADMIN_TOKEN_LIMITS.total),
  ADMIN_TOKEN_FAILURE_WINDOW: durationMs('15m').refine((ms) => ms >= 1000 && ms <= 86_400_000, { message: 'must be between 1s and 1d' }),
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
});

/**
 * Each platform's variables, parsed by the fragment it declared, then its cross-field checks. Problems are listed as
 * `VARIABLE: message`; configs are keyed by platform name, present only for the apps that are configured.
 */
function parsePlatforms(present: Record<string, string | undefined>): { problems: string[]; configs: PlatformConfigs } {
  const problems: string[] = [];
  const configs: Record<string, unknown> = {};
  for (const platform of PLATFORMS) {
    const fragment = platform.config as unknown as PlatformConfigFragment<z.ZodRawShape, unknown>;
    const parsed = z.object(fragment.env).safeParse(present);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
      continue;
    }
    const before = problems.length;
    fragment.check(parsed.data, (variable, message) => problems.push(`${variable}: ${message}`));
    const built = problems.length === before ? fragment.build(parsed.data) : undefined;
    if (built) configs[platform.name] = built;
  }
  return { problems, configs: configs as PlatformConfigs };
}

export type DatabaseConfig =
  | { kind: 'sqlite'; file: string }
  | { kind: 'mysql'; url: string };

/** How the Details links of cards are signed and how long they work (see services/incidents/incident-links.ts). */
export interface DetailsLinkConfig {
  /** Undefined means: generate one on first start and keep it in DATA_DIR. */
  key?: string;
  /** The key before the last rotation, still accepted until `until`. */
  previous?: { key: string; until: Date };
  /** How long after an incident's close its link still opens. */
  ttlAfterCloseMs: number;
}

export const DEFAULT_DETAILS_LINK_TTL_MS = 30 * 86_400_000;

export interface AppConfig extends PlatformConfigs {
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
  /** Bearer token GET /metrics requires; open when undefined. */
  metricsToken?: string;
  /** Absent: a generated key and the default expiry. */
  detailsLinks?: DetailsLinkConfig;
  logLevel: z.infer<typeof configSchema>['LOG_LEVEL'];
  /** 'json' lines or 'pretty' ones for people; unset: pretty when stdout is a terminal, else JSON. */
  logFormat?: z.infer<typeof configSchema>['LOG_FORMAT'];
  /** How often every instance looks for escalation steps whose timer was lost. */
  escalationSweepSeconds: number;
  /** How often the scheduler (Agenda) looks for due jobs. */
  schedulerPollMs?: number;
  /** How long an admin console sign-in lasts; default in services/admin-sessions/admin-sessions.ts. */
  consoleSessionMinutes?: number;
  /** Wrong admin tokens (sign-in, bearer) allowed per client address and in all per window; defaults in admin-token-limiter.ts. */
  adminTokenLimits?: FailureLimits;
  /** Reverse proxies in front that append the client's address to X-Forwarded-For (0: none, the connection's address). */
  trustProxyHops?: number;
  /**
   * How long an escalation page may stay undelivered, with nobody renewing it, before the sweep delivers it again
   * (its instance died between taking the step and sending the page); default in escalation-deliveries.ts.
   */
  escalationRedeliveryMs?: number;
  /** Retry pace of incident cards a platform could not take (unavailable, rate limited); defaults in card-sync.service.ts. */
  cardRedelivery?: { firstDelayMs: number; maxDelayMs: number };
  /** Retries of group bot messages (tries in all, backoff); defaults in services/bots/bot-deliveries.ts. */
  botRetry?: { attempts: number; firstDelayMs: number; maxDelayMs: number };
}

/** Every environment variable the service reads (the documentation lists them all: tested). */
export const CONFIG_VARIABLES: readonly string[] = [...Object.keys(configSchema.shape), ...PLATFORMS.flatMap((platform) => Object.keys(platform.config.env))];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  // A variable set to blank (as a copied .env.example leaves it) means "use the default".
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = configSchema.safeParse(present);
  const platforms = parsePlatforms(present);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)),
    ...(parsed.success ? detailsLinkProblems(parsed.data) : []),
    ...platforms.problems,
  ];
  if (!parsed.success || problems.length) throw new ConfigError(problems);
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
    metricsToken: values.METRICS_TOKEN,
    detailsLinks: {
      key: values.DETAILS_LINK_KEY,
      previous: values.DETAILS_LINK_PREVIOUS_KEY ? { key: values.DETAILS_LINK_PREVIOUS_KEY, until: values.DETAILS_LINK_PREVIOUS_KEY_UNTIL! } : undefined,
      ttlAfterCloseMs: values.DETAILS_LINK_TTL_AFTER_CLOSE,
    },
    logLevel: values.LOG_LEVEL,
    logFormat: values.LOG_FORMAT,
    escalationSweepSeconds: values.ESCALATION_SWEEP_SECONDS,
    schedulerPollMs: values.SCHEDULER_POLL_MS,
    consoleSessionMinutes: values.CONSOLE_SESSION_MINUTES,
    adminTokenLimits: {
      perAddress: values.ADMIN_TOKEN_FAILURES_PER_ADDRESS,
      total: values.ADMIN_TOKEN_FAILURES_TOTAL,
      windowMs: values.ADMIN_TOKEN_FAILURE_WINDOW,
    },
    trustProxyHops: values.TRUST_PROXY_HOPS,
    ...platforms.configs,
  };
}

/** A previous key needs its end: one accepted forever could never be revoked. */
function detailsLinkProblems(values: z.infer<typeof configSchema>): string[] {
  const problems: string[] = [];
  if (values.DETAILS_LINK_PREVIOUS_KEY && !values.DETAILS_LINK_PREVIOUS_KEY_UNTIL) {
    problems.push('DETAILS_LINK_PREVIOUS_KEY_UNTIL: required with DETAILS_LINK_PREVIOUS_KEY (when the old key stops being accepted)');
  }
  if (!values.DETAILS_LINK_PREVIOUS_KEY && values.DETAILS_LINK_PREVIOUS_KEY_UNTIL) {
    problems.push('DETAILS_LINK_PREVIOUS_KEY_UNTIL: only means something with DETAILS_LINK_PREVIOUS_KEY');
  }
  if (values.DETAILS_LINK_PREVIOUS_KEY && values.DETAILS_LINK_PREVIOUS_KEY === values.DETAILS_LINK_KEY) {
    problems.push('DETAILS_LINK_PREVIOUS_KEY: is the same as DETAILS_LINK_KEY');
  }
  return problems;
}
