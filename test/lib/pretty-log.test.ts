/**
 * Logs for people: JSON lines stay the default; LOG_FORMAT=pretty (or a terminal on stdout) prints readable lines,
 * with hostile text (alert titles, terminal escapes, newlines) shown escaped on one line. Checked through pino as the
 * service uses it, and through the service's own entry point (src/main.ts) in a child process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, logDestination } from '../../src/lib/logger.js';
import { prettyLogStream } from '../../src/lib/pretty-log.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUNNER = join(ROOT, 'test/support/run-ts.mjs');

function captured(isTTY = false) {
  const lines = { text: '', isTTY, write: (text: string) => void (lines.text += text) };
  return lines;
}

describe('pretty log lines', () => {
  it('time, level, message and fields on one line; an error with its stack below, indented', () => {
    const out = captured();
    const logger = createLogger('info', prettyLogStream(out, { colors: false }));
    logger.info({ port: 8080, path: '/open-apis/bot/v2/hook/abc…', title: 'CPU high on db-1' }, 'http listening');
    logger.error({ err: new TypeError('boom') }, 'escalation sweep failed');
    const [first, second, ...stack] = out.text.trimEnd().split('\n');
    expect(first).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  http listening port=8080 path=\/open-apis\/bot\/v2\/hook\/abc… title="CPU high on db-1"$/);
    expect(second).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR escalation sweep failed err="TypeError: boom"$/);
    expect(stack.length).toBeGreaterThan(0);
    for (const frame of stack) expect(frame).toMatch(/^ {4}at /);
  });

  it('hostile text stays one inert line: newlines and terminal escapes are shown escaped, long values cut', () => {
    const out = captured();
    const logger = createLogger('info', prettyLogStream(out, { colors: false }));
    const hostile = 'disk full\n12:00:00.000 INFO  admin logged in\u001b[2J\u001b]0;pwned\u0007';
    logger.warn({ title: hostile, body: 'x'.repeat(5000) }, hostile);
    expect(out.text.split('\n')).toHaveLength(2);
    expect(out.text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(out.text).toContain('disk full\\n12:00:00.000 INFO  admin logged in\\u001b[2J\\u001b]0;pwned\\u0007');
    expect(out.text.length).toBeLessThan(4000);
  });

  it('colours the level only when writing to a terminal', () => {
    const plain = captured(false);
    createLogger('info', logDestination('pretty', plain as unknown as NodeJS.WriteStream)).warn('careful');
    expect(plain.text).toMatch(/ WARN  careful\n$/);
    const terminal = captured(true);
    createLogger('info', logDestination(undefined, terminal as unknown as NodeJS.WriteStream)).warn('careful');
    expect(terminal.text).toMatch(/ \u001b\[33mWARN \u001b\[0m careful\n$/);
  });

  it('JSON lines are the default off a terminal, and LOG_FORMAT=json keeps them on one', () => {
    expect(logDestination(undefined, captured(false) as unknown as NodeJS.WriteStream)).toBeUndefined();
    expect(logDestination('json', captured(true) as unknown as NodeJS.WriteStream)).toBeUndefined();
    expect(logDestination('pretty', captured(false) as unknown as NodeJS.WriteStream)).toBeDefined();
  });
});

describe('the service started as `npm start` starts it', () => {
  const freePort = () =>
    new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });

  /** Starts src/main.ts with `env`, returns its stdout up to the "http listening" line, then stops it. */
  async function firstLines(env: Record<string, string>): Promise<string> {
    const child = spawn(process.execPath, [RUNNER, 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', PORT: String(await freePort()), HOST: '127.0.0.1', DATA_DIR: mkdtempSync(join(tmpdir(), 'oncall-log-')), ADMIN_TOKEN: 'pretty-log-test-token-0123', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "http listening" within 20 s:\n${stdout}\n${stderr}`)), 20_000);
        child.stdout!.on('data', (chunk) => {
          stdout += String(chunk);
          if (stdout.includes('http listening')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', () => reject(new Error(`exited:\n${stdout}\n${stderr}`)));
      });
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    return stdout;
  }

  it('LOG_FORMAT=pretty: readable lines; unset, on a pipe: JSON lines', async () => {
    const pretty = await firstLines({ LOG_FORMAT: 'pretty' });
    expect(pretty).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  http listening port=\d+$/m);
    expect(pretty).not.toContain('{"level"');

    const json = await firstLines({});
    const lines = json.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.find((line) => line.msg === 'http listening')).toMatchObject({ level: 30, service: 'oncall-im', port: expect.any(Number) });
  }, 60_000);
});
