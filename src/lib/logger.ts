import { pino, type DestinationStream, type Logger } from 'pino';
import { prettyLogStream } from './pretty-log.js';
import { safeError } from './safe-error.js';

export type { Logger };

/** Field names whose values must never reach a log line, wherever they are nested. */
const SECRET_FIELDS = ['secret', 'token', 'sign', 'authorization', 'adminToken', 'appSecret', 'password', 'key'];

/** Structured JSON logs; `destination` is for tests that read what was logged. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'oncall-im' },
      // Errors carry whatever their library hung on them (SQL parameters, HTTP request headers): log only the safe parts.
      serializers: { err: safeError },
      redact: {
        paths: SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** Integration keys travel in URL paths; keep only a short prefix so a log line cannot be replayed. */
export function maskPath(path: string): string {
  return path.replace(/(\/open-apis\/bot\/(?:v2\/)?hook\/)([^/?]{0,6})[^/?]*/, '$1$2…');
}

export type LogFormat = 'json' | 'pretty';

/**
 * Where the service's log goes: JSON lines on stdout (for machines), unless `format` is 'pretty', or is not set and
 * stdout is a terminal; then readable lines.
 */
export function logDestination(format: LogFormat | undefined, stdout: NodeJS.WriteStream = process.stdout): DestinationStream | undefined {
  const pretty = format === 'pretty' || (format === undefined && stdout.isTTY === true);
  return pretty ? prettyLogStream(stdout, { colors: stdout.isTTY === true }) : undefined;
}
