import { ConfigError, loadConfig } from './config/config.js';
import { createLogger, logDestination } from './lib/logger.js';
import { startService } from './app/start-service.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, logDestination(config.logFormat));
  const service = await startService(config, logger);
  logger.info({ url: config.publicBaseUrl }, 'oncall-im started');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await service.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`oncall-im failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
