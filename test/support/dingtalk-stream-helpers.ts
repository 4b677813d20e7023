import { Redis } from 'ioredis';
import { RedisDeduper } from '../../src/lib/dedupe.js';
import { createLogger } from '../../src/lib/logger.js';
import { DingTalkStreamConnection, type DingTalkStreamOptions } from '../../src/platforms/dingtalk/dingtalk-stream-connection.js';
import { startFakeDingTalkGateway, type FakeDingTalkGatewayOptions, type RunningFakeDingTalkGateway } from '../fakes/dingtalk-gateway.js';
import { CapturedLog } from './captured-log.js';
import { REDIS_TEST_URL } from './databases.js';

/** A DingTalk Stream connection under test, wired to a fake gateway and the real Redis deduper. */
export interface StreamWorld {
  fake: RunningFakeDingTalkGateway;
  connection: DingTalkStreamConnection;
  log: CapturedLog;
  /** Another connection of the same app (a second instance, or the service after a restart). */
  another(options?: Partial<DingTalkStreamOptions>): DingTalkStreamConnection;
}

export interface StreamWorldOptions {
  gateway?: FakeDingTalkGatewayOptions;
  connection?: Partial<DingTalkStreamOptions>;
}

/** Opens Redis once per test file; `world()` builds a fresh gateway and connection; `cleanup()` stops all. */
export function streamWorlds() {
  const redis = new Redis(REDIS_TEST_URL);
  const deduper = new RedisDeduper(redis, 600);
  const stops: Array<() => Promise<void>> = [];

  async function world(options: StreamWorldOptions = {}): Promise<StreamWorld> {
    const fake = await startFakeDingTalkGateway({ redeliverAfterMs: 300, disconnectGraceMs: 200, ...options.gateway });
    const log = new CapturedLog();
    const app = fake.gateway.apps[0];
    const make = (extra: Partial<DingTalkStreamOptions> = {}) => {
      const connection = new DingTalkStreamConnection({
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        apiBaseUrl: fake.apiBaseUrl,
        logger: createLogger('debug', log),
        deduper,
        deadLinkMs: 2_000,
        reconnectDelay: { initialMs: 20, maxMs: 100 },
        ...options.connection,
        ...extra,
      });
      stops.unshift(() => connection.stop());
      return connection;
    };
    stops.push(() => fake.close());
    return { fake, connection: make(), log, another: make };
  }

  async function cleanup(): Promise<void> {
    for (const stop of stops.splice(0)) await stop();
  }

  async function close(): Promise<void> {
    await cleanup();
    redis.disconnect();
  }

  return { world, cleanup, close };
}
