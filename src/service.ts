import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppConfig } from './config/config.js';
import { resolveAdminToken } from './config/admin-token.js';
import { openDatabase } from './db/data-source.js';
import { Database } from './db/database.js';
import { createHttpApp } from './http/app.js';
import type { Logger } from './lib/logger.js';
import { connectRedis, type Redis } from './lib/redis.js';
import { AlertIngestService } from './services/alert-ingest.service.js';
import { ChannelService } from './services/channel.service.js';
import { IncidentChangeFeed } from './services/incident-change-feed.js';
import { IncidentService } from './services/incident.service.js';
import { IntegrationService } from './services/integration.service.js';
import { MemberService } from './services/member.service.js';

export interface Services {
  channels: ChannelService;
  members: MemberService;
  integrations: IntegrationService;
  incidents: IncidentService;
  ingest: AlertIngestService;
  changes: IncidentChangeFeed;
}

export interface RunningService {
  url: string;
  adminToken: string;
  db: Database;
  redis?: Redis;
  services: Services;
  stop(): Promise<void>;
}

/** Composition: config → database (migrated) → redis? → services → http. */
export async function startService(config: AppConfig, logger: Logger): Promise<RunningService> {
  const admin = resolveAdminToken(config.adminToken, config.dataDir);
  if (admin.generated) {
    // Shown once, on purpose, outside the structured log: it is the only way a zero-config admin learns it.
    process.stderr.write(`\nGenerated admin API token (kept in ${admin.file}):\n  ${admin.token}\n\n`);
  }

  const db = new Database(await openDatabase(config.database));
  logger.info({ database: config.database.kind }, 'database ready, migrations applied');
  const redis = config.redisUrl ? await connectRedis(config.redisUrl) : undefined;
  if (redis) logger.info('redis connected');

  const changes = new IncidentChangeFeed(logger);
  const services: Services = {
    channels: new ChannelService(db),
    members: new MemberService(db),
    integrations: new IntegrationService(db),
    incidents: new IncidentService(db, changes),
    ingest: new AlertIngestService(db, changes),
    changes,
  };

  const readiness = [{ name: 'database', check: () => db.ping() }];
  if (redis) readiness.push({ name: 'redis', check: async () => void (await redis.ping()) });

  const app = createHttpApp({
    ...services,
    logger,
    readiness,
    adminToken: admin.token,
    publicBaseUrl: config.publicBaseUrl,
  });
  const server = createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const { port } = server.address() as AddressInfo;
  logger.info({ port }, 'http listening');

  return {
    url: `http://127.0.0.1:${port}`,
    adminToken: admin.token,
    db,
    redis,
    services,
    async stop() {
      await closeServer(server);
      if (redis) await redis.quit();
      await db.close();
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
