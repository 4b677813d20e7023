import type { Logger } from '../../lib/logger.js';

/**
 * The SDK logs failed requests with their axios error, which carries the Authorization header (the tenant
 * token). Only the plain-text parts of what it logs reach our logger; objects are dropped.
 */
export function feishuSdkLogger(logger: Logger) {
  const text = (parts: unknown[]) =>
    parts
      .flat()
      .filter((part): part is string | number => typeof part === 'string' || typeof part === 'number')
      .join(' ')
      .slice(0, 300);
  return {
    error: (...parts: unknown[]) => logger.warn({ source: 'feishu-sdk' }, text(parts)),
    warn: (...parts: unknown[]) => logger.warn({ source: 'feishu-sdk' }, text(parts)),
    info: (...parts: unknown[]) => logger.debug({ source: 'feishu-sdk' }, text(parts)),
    debug: (...parts: unknown[]) => logger.trace({ source: 'feishu-sdk' }, text(parts)),
    trace: (...parts: unknown[]) => logger.trace({ source: 'feishu-sdk' }, text(parts)),
  };
}
