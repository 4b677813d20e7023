import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveAdminToken } from '../../src/config/admin-token.js';

describe('resolveAdminToken', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'admin-token-test-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('a configured token wins and nothing is written', () => {
    writeFileSync(join(dir, 'admin-token'), 'stored-token-0123456789\n');
    expect(resolveAdminToken('configured-token-0123', dir)).toEqual({ token: 'configured-token-0123', generated: false });
    expect(readFileSync(join(dir, 'admin-token'), 'utf8')).toBe('stored-token-0123456789\n');
  });

  it('a configured token does not create the data dir', () => {
    const dataDir = join(dir, 'never-created');
    resolveAdminToken('configured-token-0123', dataDir);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('generates a token once, then reuses it', () => {
    const dataDir = join(dir, 'nested', 'data');
    const first = resolveAdminToken(undefined, dataDir);
    const file = join(dataDir, 'admin-token');
    expect(first.generated).toBe(true);
    expect(first.file).toBe(file);
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(readFileSync(file, 'utf8')).toBe(`${first.token}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = resolveAdminToken(undefined, dataDir);
    expect(second).toEqual({ token: first.token, generated: false, file });

    const third = resolveAdminToken('', dataDir);
    expect(third).toEqual({ token: first.token, generated: false, file });
  });

  it('different data dirs get different tokens', () => {
    const a = resolveAdminToken(undefined, join(dir, 'a'));
    const b = resolveAdminToken(undefined, join(dir, 'b'));
    expect(a.token).not.toBe(b.token);
  });

  it('reads a stored token, trimming whitespace', () => {
    writeFileSync(join(dir, 'admin-token'), '  hand-written-token-42  \n\n');
    expect(resolveAdminToken(undefined, dir)).toEqual({ token: 'hand-written-token-42', generated: false, file: join(dir, 'admin-token') });
  });

  it.each(['', 'short\n', '   \n'])('replaces an unusable stored token %j', (stored) => {
    const file = join(dir, 'admin-token');
    writeFileSync(file, stored);
    const resolved = resolveAdminToken(undefined, dir);
    expect(resolved.generated).toBe(true);
    expect(resolved.token).toHaveLength(32);
    expect(readFileSync(file, 'utf8')).toBe(`${resolved.token}\n`);
  });
});
