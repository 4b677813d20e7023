import { pino, type Logger } from 'pino';

export type { Logger };

/** Field names whose values must never reach a log line, wherever they are nested. */
const SECRET_FIELDS = ['secret', 'token', 'sign', 'authorization', 'adminToken', 'appSecret', 'password', 'key'];

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'oncall-im' },
    redact: {
      paths: SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
      censor: '[redacted]',
    },
  });
}

/** Integration keys travel in URL paths; keep only a short prefix so a log line cannot be replayed. */
export function maskPath(path: string): string {
  return path.replace(/(\/open-apis\/bot\/(?:v2\/)?hook\/)([^/?]{0,6})[^/?]*/, '$1$2…');
}
