import type { DestinationStream } from 'pino';

/** Fields every line has, shown in their own place (or not at all). */
const FRAME_FIELDS = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);
const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: 'TRACE', color: '90' },
  20: { name: 'DEBUG', color: '36' },
  30: { name: 'INFO ', color: '32' },
  40: { name: 'WARN ', color: '33' },
  50: { name: 'ERROR', color: '31' },
  60: { name: 'FATAL', color: '35' },
};
const MAX_MESSAGE = 2000;
const MAX_VALUE = 1000;
/** Shown without quotes: no spaces, quotes, backslashes, '=' or control characters. */
// eslint-disable-next-line no-control-regex
const BARE = /^[^\s"\\=\u0000-\u001f\u007f-\u009f]+$/;

/**
 * pino's JSON lines as lines for people: `12:00:01.234 WARN  message key=value …`, an error's stack indented below.
 * Logged text can come from alerts (hostile): control characters, terminal escapes included, are shown escaped,
 * never written as they are, and long values are cut.
 */
export function prettyLogStream(out: { write(text: string): unknown }, options: { colors: boolean }): DestinationStream {
  let pending = '';
  return {
    write(chunk: string) {
      pending += chunk;
      let end: number;
      while ((end = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        if (line) out.write(formatLine(line, options.colors));
      }
    },
  };
}

export function formatLine(line: string, colors: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line);
  } catch {
    return `${escapeControl(line).slice(0, MAX_MESSAGE)}\n`;
  }
  const level = LEVELS[Number(record.level)] ?? { name: String(record.level).padEnd(5), color: '0' };
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 23) : '';
  const levelText = colors ? `\x1b[${level.color}m${level.name}\x1b[0m` : level.name;
  const message = escapeControl(typeof record.msg === 'string' ? record.msg : '').slice(0, MAX_MESSAGE);
  const fields: string[] = [];
  let stack = '';
  for (const [key, value] of Object.entries(record)) {
    if (FRAME_FIELDS.has(key)) continue;
    if (key === 'err' && value && typeof value === 'object') {
      const err = value as { type?: unknown; message?: unknown; stack?: unknown };
      fields.push(`err=${showValue(`${String(err.type ?? 'Error')}: ${String(err.message ?? '')}`)}`);
      if (typeof err.stack === 'string') stack = err.stack.split('\n').slice(1).map((frame) => `    ${escapeControl(frame.trim())}`).join('\n');
      continue;
    }
    fields.push(`${escapeControl(key)}=${showValue(value)}`);
  }
  const head = [time, levelText, message, ...fields].filter(Boolean).join(' ');
  return `${head}\n${stack ? `${stack}\n` : ''}`;
}

function showValue(value: unknown): string {
  const shown = typeof value !== 'string' ? (JSON.stringify(value) ?? String(value)) : BARE.test(value) ? value : JSON.stringify(value);
  return escapeControl(shown.length > MAX_VALUE ? `${shown.slice(0, MAX_VALUE)}…` : shown);
}

/** Control characters (newlines, terminal escapes) as \n, \u001b …: one log record stays one line, and inert. */
function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (char) => (char === '\n' ? '\\n' : char === '\t' ? '\\t' : `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
