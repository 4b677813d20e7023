import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Router from '@koa/router';
import { DEFAULT_SCHEDULER_POLL_MS, type AppConfig } from '../config/config.js';
import { resolveAdminToken } from '../config/admin-token.js';
import { DatabaseDeduper } from '../db/database-deduper.js';
import { openDatabase } from '../db/data-source.js';
import { Database } from '../db/database.js';
import { createHttpApp } from '../http/app.js';
import { FallbackDeduper, RedisDeduper, type Deduper } from '../lib/dedupe.js';
import { reportUnusableRegexesTo } from '../lib/linear-regex.js';
import type { Logger } from '../lib/logger.js';
import { connectRedis, type Redis } from '../lib/redis.js';
import { FeishuApp } from '../platforms/feishu/feishu.app.js';
import { SlackApp } from '../platforms/slack/slack.app.js';
import { AgendaEscalationTimers, defineEscalateJob } from '../jobs/escalate.job.js';
import { createAgenda, stopAgenda } from '../jobs/scheduler/create-agenda.js';
import { AlertIngestService } from '../services/incidents/alert-ingest.service.js';
import { CardSyncService } from '../services/chat/card-sync.service.js';
import { ChannelService } from '../services/catalog/channel.service.js';
import { ChatBindingService } from '../services/chat/chat-binding.service.js';
import { ChatInteractionService } from '../services/chat/chat-interaction.service.js';
import { EscalationNotifier } from '../services/escalation/escalation-notifier.js';
import { EscalationRuleService } from '../services/escalation/escalation-rule.service.js';
import { EscalationService } from '../services/escalation/escalation.service.js';
import { ChannelsWithRules } from '../services/escalation/channels-with-rules.js';
import { IdentityService } from '../services/identity/identity.service.js';
import { IncidentChangeFeed } from '../services/incidents/incident-change-feed.js';
import { IncidentLinks } from '../services/incidents/incident-links.js';
import { IncidentViewService } from '../services/incidents/incident-view.service.js';
import { IncidentService } from '../services/incidents/incident.service.js';
import { IntegrationService } from '../services/catalog/integration.service.js';
import { MemberService } from '../services/catalog/member.service.js';
import { DestinationRegistry } from '../services/registry/destination-registry.js';

export interface Services {
  channels: ChannelService;
  members: MemberService;
  integrations: IntegrationService;
  incidents: IncidentService;
  ingest: AlertIngestService;
  changes: IncidentChangeFeed;
  bindings: ChatBindingService;
  identities: IdentityService;
  views: IncidentViewService;
  cards: CardSyncService;
  interactions: ChatInteractionService;
  escalations: EscalationService;
  escalationRules: EscalationRuleService;
}

export interface RunningService {
  url: string;
  adminToken: string;
  db: Database;
  redis?: Redis;
  services: Services;
  destinations: DestinationRegistry;
  feishu?: FeishuApp;
  slack?: SlackApp;
  stop(): Promise<void>;
}

/** Composition: config → database (migrated) → redis? → platforms → services → http. */
export async function startService(config: AppConfig, logger: Logger): Promise<RunningService> {
  const admin = resolveAdminToken(config.adminToken, config.dataDir);
  if (admin.generated) {
    // Shown once, on purpose, outside the structured log: it is the only way a zero-config admin learns it.
    process.stderr.write(`\nGenerated admin API token (kept in ${admin.file}):\n  ${admin.token}\n\n`);
  }

  reportUnusableRegexesTo((pattern, reason) =>
    logger.warn({ pattern: pattern.slice(0, 200), reason }, 'a saved regex cannot run on RE2; its condition is treated as not matching'),
  );

  const db = new Database(await openDatabase(config.database));
  logger.info({ database: config.database.kind }, 'database ready, migrations applied');
  let redis: Redis | undefined;
  try {
    redis = config.redisUrl ? await connectRedis(config.redisUrl) : undefined;
  } catch (error) {
    await db.close();
    throw error;
  }
  if (redis) {
    logger.info('redis connected');
    redis.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis connection problem'));
  }
  const deduper: Deduper = redis ? new FallbackDeduper(new RedisDeduper(redis), new DatabaseDeduper(db), logger) : new DatabaseDeduper(db);

  const feishu = config.feishu ? new FeishuApp(config.feishu, logger) : undefined;
  const slack = config.slack ? new SlackApp(config.slack, logger) : undefined;
  const platforms = new DestinationRegistry([feishu?.platform, slack?.platform].filter((platform): platform is NonNullable<typeof platform> => Boolean(platform)));

  const changes = new IncidentChangeFeed(logger);
  const incidents = new IncidentService(db, changes);
  const links = new IncidentLinks(config.publicBaseUrl, admin.token);
  const views = new IncidentViewService(db, links);
  const identities = new IdentityService(db, platforms, logger);
  const bindings = new ChatBindingService(db);
  const channelsWithRules = new ChannelsWithRules(db);
  const notifier = new EscalationNotifier(db, platforms, identities, logger);
  const escalations = new EscalationService(db, notifier, links, changes, channelsWithRules, logger, config.escalationRedeliveryMs);
  const services: Services = {
    channels: new ChannelService(db),
    members: new MemberService(db),
    integrations: new IntegrationService(db),
    incidents,
    ingest: new AlertIngestService(db, changes),
    changes,
    bindings,
    identities,
    views,
    cards: new CardSyncService(db, views, platforms, logger, config.cardRedelivery),
    interactions: new ChatInteractionService(db, incidents, views, identities, bindings, platforms, escalations),
    escalations,
    escalationRules: new EscalationRuleService(db, channelsWithRules),
  };
  services.cards.attach(changes);
  escalations.attach(changes);

  const agenda = createAgenda({ db, redis, processEvery: config.schedulerPollMs ?? DEFAULT_SCHEDULER_POLL_MS, redisKeyPrefix: config.redisKeyPrefix });
  defineEscalateJob(agenda, escalations);
  agenda.on('error', (error: Error) => logger.error({ err: error }, 'scheduler error'));
  await agenda.start();
  escalations.useTimers(new AgendaEscalationTimers(agenda));
  const sweep = startSweeping(escalations, config.escalationSweepSeconds, logger);

  const platformRoutes: Array<(router: Router) => void> = [];
  if (feishu) platformRoutes.push((router) => feishu.connect(router, { interactions: services.interactions, bindings, deduper }));
  if (slack) platformRoutes.push((router) => slack.connect(router, { interactions: services.interactions, bindings, deduper }));

  const readiness = [{ name: 'database', check: () => db.ping() }];
  if (redis) readiness.push({ name: 'redis', check: async () => void (await redis.ping()) });

  const app = createHttpApp({
    ...services,
    logger,
    readiness,
    platformRoutes,
    links,
    adminToken: admin.token,
    publicBaseUrl: config.publicBaseUrl,
  });
  const server = createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  const stop = async () => {
    const sweepStopped = sweep.stop();
    feishu?.close();
    await slack?.stop();
    if (server.listening) await closeServer(server);
    // Running escalation jobs and the running sweep finish (drain), then the pages they started, before the
    // database they write to closes.
    await stopAgenda(agenda, 15_000);
    await sweepStopped;
    await escalations.idle();
    services.cards.close();
    await services.cards.idle();
    if (redis) await redis.quit();
    await db.close();
  };
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    await stop();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  logger.info({ port }, 'http listening');
  await slack?.start();

  return {
    url: `http://127.0.0.1:${port}`,
    adminToken: admin.token,
    db,
    redis,
    services,
    destinations: platforms,
    feishu,
    slack,
    stop,
  };
}

/** Listens, or fails with a message an admin can act on (the port is taken, the address is not this host's …). */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EADDRINUSE' ? 'the port is already in use' : error.code === 'EACCES' ? 'permission denied' : error.message;
      reject(new Error(`cannot listen on ${host}:${port}: ${reason} (set PORT / HOST to change it)`));
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/**
 * At start, then every `seconds`: fire escalation steps whose timer was lost (and the rest of the sweep). One sweep
 * at a time; stop() resolves once the running one has finished.
 */
function startSweeping(escalations: EscalationService, seconds: number, logger: Logger): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= escalations
      .sweep()
      .then((fired) => void (fired > 0 && logger.info({ fired }, 'escalation sweep fired overdue steps')))
      .catch((error: unknown) => logger.error({ err: error }, 'escalation sweep failed'))
      .finally(() => (running = undefined));
  };
  run();
  const timer = setInterval(run, seconds * 1000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
