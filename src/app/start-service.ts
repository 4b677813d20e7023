import type Router from '@koa/router';
import { resolveAdminToken } from '../config/admin-token.js';
import { resolveStoredSecret } from '../config/stored-secret.js';
import type { AppConfig } from '../config/config.js';
import type { Database } from '../db/database.js';
import { createHttpApp } from '../http/app.js';
import { createSourceRegistry } from '../ingest/index.js';
import { reportUnusableRegexesTo } from '../lib/linear-regex.js';
import type { Logger } from '../lib/logger.js';
import { Metrics } from '../lib/metrics.js';
import { withTimeout } from '../lib/timeout.js';
import type { Redis } from '../lib/redis.js';
import { createPacing } from '../lib/shared-pacing.js';
import { buildPlatformModules, describePlatforms } from '../platforms/index.js';
import { WebhookBotSender } from '../platforms/webhook-bots/webhook-bot-sender.js';
import { describeBotKinds } from '../platforms/webhook-bots/bot-type-info.js';
import type { PlatformModule } from '../platforms/platform-module.js';
import { DestinationRegistry } from '../services/registry/destination-registry.js';
import { countIncidentsWithUndeliveredPages, countOpenIncidents } from '../services/incidents/incident-counts.query.js';
import { initHttpServer } from './http-server.js';
import { initScheduler } from './scheduler.js';
import { initServices, type Services } from './services.js';
import { initStorage } from './storage.js';
import { initAdminSessions, initAdminTokenLimiter } from './admin-sessions.js';
import { IncidentEventStreams } from '../http/admin/incident-event-streams.js';
import { SmtpSender } from '../platforms/email/smtp-sender.js';
import { isDefaultEmailSender } from '../ingest/email-imap/email-settings.js';

export type { Services } from './services.js';

export interface RunningService {
  url: string;
  adminToken: string;
  db: Database;
  redis?: Redis;
  services: Services;
  /** This instance's metrics registry (GET /metrics). */
  metrics: Metrics;
  destinations: DestinationRegistry;
  /** The IM apps that are configured. */
  platforms: PlatformModule[];
  stop(): Promise<void>;
}

/** Composition: admin token → storage → platforms → services → scheduler → http; stopped in the reverse order. */
export async function startService(config: AppConfig, logger: Logger): Promise<RunningService> {
  const admin = resolveAdminToken(config.adminToken, config.dataDir);
  if (admin.generated) {
    // Shown once, on purpose, outside the structured log: it is the only way a zero-config admin learns it.
    process.stderr.write(`\nGenerated admin API token (kept in ${admin.file}):\n  ${admin.token}\n\n`);
  }

  // Not shown: unlike the admin token nobody types it; it is only needed again to run a second instance.
  const detailsLinkKey = resolveStoredSecret(config.detailsLinks?.key, config.dataDir, 'details-link-key', 32, 32).value;
  if (!config.detailsLinks?.key && config.redisUrl) {
    // Redis means several instances may run; each would sign with the key in its own data dir, so one incident's
    // cards would carry different Details links depending on which instance last rendered them.
    logger.warn(
      { dataDir: config.dataDir },
      'DETAILS_LINK_KEY is not set while REDIS_URL is: this instance signs Details links with the key generated in its own data dir; set one DETAILS_LINK_KEY on every instance',
    );
  }

  reportUnusableRegexesTo((pattern, reason) =>
    logger.warn({ pattern: pattern.slice(0, 200), reason }, 'a saved regex cannot run on RE2; its condition is treated as not matching'),
  );

  const metrics = new Metrics();
  const storage = await initStorage(config, logger);
  metrics.readFrom({
    openIncidents: () => countOpenIncidents(storage.db),
    incidentsWithUndeliveredPages: () => countIncidentsWithUndeliveredPages(storage.db),
    dependencies: storage.readiness,
  });
  // Rate limits are the platforms', not one instance's: with Redis, every instance paces on the same buckets.
  const pacing = createPacing(storage.redis, logger, metrics);
  const platforms = await buildPlatformModules(config, logger, metrics, pacing).catch(async (error: unknown) => {
    await storage.close();
    throw error;
  });
  const destinations = new DestinationRegistry(platforms.map((platform) => platform.destination));
  const smtp = new SmtpSender();
  const email = { sending: smtp, isDefaultSender: isDefaultEmailSender };
  const botSender = new WebhookBotSender({ pacing, onHold: (kind, scope, where) => metrics.rateLimitHold(`bot:${kind}`, scope, where) });
  // A template stopped by a limit is skipped by every instance (with Redis), like a platform's hold.
  const templateSkips = pacing.holds('template');
  const services = initServices(config, storage.db, destinations, botSender, admin.token, detailsLinkKey, logger, metrics, email, templateSkips);
  const scheduler = await initScheduler(config, storage.db, storage.redis, services.escalations, logger, metrics);

  const incidentEvents = new IncidentEventStreams(services.changes);
  const sources = createSourceRegistry();
  const inbound = { interactions: services.interactions, bindings: services.bindings, deduper: storage.deduper };
  const app = createHttpApp({
    ...services,
    logger,
    readiness: storage.readiness,
    destinationTypes: [...describePlatforms(platforms), ...describeBotKinds()],
    platformRoutes: platforms.map((platform) => (router: Router) => platform.connect(router, inbound)),
    sources,
    adminToken: admin.token,
    publicBaseUrl: config.publicBaseUrl,
    metrics,
    metricsToken: config.metricsToken,
    sessions: initAdminSessions(config, storage, admin.token),
    adminTokenLimiter: initAdminTokenLimiter(config, storage, logger),
    trustProxyHops: config.trustProxyHops,
    incidentEvents,
  });
  const http = initHttpServer(app);

  let polling: { stop(): Promise<void> } | undefined;
  const stop = async () => {
    const sweepStopped = scheduler.stopSweeping();
    // Mailbox watchers finish the alerts they are writing (and flag their messages) before the database closes.
    await polling?.stop();
    for (const platform of platforms) await platform.stop();
    // Open console event streams would keep the server from closing.
    incidentEvents.close();
    await http.close();
    // Running escalation jobs and the running sweep finish, then the pages they started, before the database they
    // write to closes.
    await sweepStopped;
    await scheduler.drain();
    services.cards.close();
    services.botDeliveries.close();
    // A bot message may be held for minutes by a rate limit (DingTalk blocks for 10): wait a little, not for that.
    await Promise.all([services.cards.idle(), withTimeout(services.botDeliveries.idle(), 5_000).catch(() => undefined)]);
    smtp.close();
    await storage.close();
  };
  let port: number;
  try {
    port = await http.listen(config.port, config.host);
  } catch (error) {
    await stop();
    throw error;
  }
  logger.info({ port }, 'http listening');
  for (const platform of platforms) await platform.start();
  polling = await sources.startPolling({ ...services, logger, metrics });

  return {
    url: `http://127.0.0.1:${port}`,
    adminToken: admin.token,
    db: storage.db,
    redis: storage.redis,
    services,
    metrics,
    destinations,
    platforms,
    stop,
  };
}
