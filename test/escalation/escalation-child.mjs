/**
 * Runs the whole service in a child process, for tests that kill it with SIGKILL (kill -9).
 *
 *   ESCALATION_CHILD_CONFIG='<AppConfig as JSON>' node test/escalation/escalation-child.mjs
 *
 * Prints `READY <url>` on stdout once the service listens. The project's TypeScript is loaded straight from src/
 * through test/support/ts-loader.mjs.
 */
import { register } from 'node:module';

register(new URL('../support/ts-loader.mjs', import.meta.url));
const config = JSON.parse(process.env.ESCALATION_CHILD_CONFIG ?? '{}');
const root = new URL('../../', import.meta.url);
const { startService } = await import(new URL('src/app/start-service.ts', root).href);
const { createLogger } = await import(new URL('src/lib/logger.ts', root).href);
const service = await startService(config, createLogger(config.logLevel ?? 'silent'));
process.stdout.write(`READY ${service.url}\n`);
const stop = async () => {
  await service.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
