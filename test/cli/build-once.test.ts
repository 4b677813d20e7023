/**
 * `npm start` compiles only when the sources changed: src/cli/build-once.mjs and src/cli/start.mjs run as npm runs
 * them, in a scratch checkout of a tiny TypeScript project laid out like this one (its node_modules is this one's, so
 * the real tsc compiles it). Each case says what a person would do to the checkout and what the next start does.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function node(script: string, args: string[] = []): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** A checkout: package.json, the tsconfig pair, src/main.ts printing a value from src/value.ts, and the two scripts. */
function scratchCheckout(options: { compiler?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'build-once-'));
  mkdirSync(join(dir, 'src', 'cli'), { recursive: true });
  mkdirSync(join(dir, 'migrations'));
  for (const script of ['build-once.mjs', 'start.mjs']) copyFileSync(join(ROOT, 'src', 'cli', script), join(dir, 'src', 'cli', script));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'dist', rootDir: '.', types: [] }, include: ['src', 'migrations'] }),
  );
  writeFileSync(join(dir, 'tsconfig.build.json'), JSON.stringify({ extends: './tsconfig.json', include: ['src', 'migrations'] }));
  writeFileSync(join(dir, 'src', 'value.ts'), 'export const value: number = 1;\n');
  writeFileSync(join(dir, 'src', 'main.ts'), "import { value } from './value.js';\nconsole.log(`main ran with ${value}`);\n");
  writeFileSync(join(dir, 'migrations', 'index.ts'), 'export const allMigrations: string[] = [];\n');
  if (options.compiler !== false) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

describe('build once, start without compiling', () => {
  const made: string[] = [];
  const checkout = (options?: { compiler?: boolean }) => {
    const dir = scratchCheckout(options);
    made.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it('the first start of a fresh checkout compiles; later starts do not; an edited source is compiled on the next start', async () => {
    const dir = checkout();
    const start = join(dir, 'src', 'cli', 'start.mjs');

    const first = await node(start);
    expect(first).toMatchObject({ code: 0, stdout: 'main ran with 1\n' });
    expect(first.stderr).toContain('compiling TypeScript into dist/ (first build)');
    expect(existsSync(join(dir, 'dist', '.build-stamp'))).toBe(true);

    const second = await node(start);
    expect(second).toEqual({ code: 0, stdout: 'main ran with 1\n', stderr: '' });

    writeFileSync(join(dir, 'src', 'value.ts'), 'export const value: number = 2;\n');
    const third = await node(start);
    expect(third.stdout).toBe('main ran with 2\n');
    expect(third.stderr).toContain('sources changed since the last build');
  }, 120_000);

  it('npm’s prepare (no argument) builds a fresh checkout once; a removed source takes its compiled file with it; a touched file counts as changed', async () => {
    const dir = checkout();
    const buildOnce = join(dir, 'src', 'cli', 'build-once.mjs');
    writeFileSync(join(dir, 'src', 'old.ts'), 'export const old = true;\n');

    expect((await node(buildOnce)).stderr).toContain('first build');
    expect(existsSync(join(dir, 'dist', 'src', 'old.js'))).toBe(true);
    expect(await node(buildOnce)).toEqual({ code: 0, stdout: '', stderr: '' });

    rmSync(join(dir, 'src', 'old.ts'));
    expect((await node(buildOnce)).stderr).toContain('sources changed');
    expect(existsSync(join(dir, 'dist', 'src', 'old.js'))).toBe(false);

    // Same content, new modification time (a checkout of another branch and back): compiled again, to be safe.
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'src', 'value.ts'), later, later);
    expect((await node(buildOnce)).stderr).toContain('sources changed');
    // `npm run build` compiles whatever the stamp says.
    expect((await node(buildOnce, ['--always'])).stderr).toContain('compiled in');
  }, 120_000);

  it('a type error stops the start (and npm run build) with tsc’s message and leaves no stamp, so the next start tries again; the install itself goes through', async () => {
    const dir = checkout();
    const start = join(dir, 'src', 'cli', 'start.mjs');
    const buildOnce = join(dir, 'src', 'cli', 'build-once.mjs');
    writeFileSync(join(dir, 'src', 'value.ts'), "export const value: number = 'not a number';\n");

    const prepare = await node(buildOnce);
    expect(prepare.code).toBe(0);
    expect(prepare.stderr).toContain('the TypeScript build failed');
    expect(prepare.stderr).toContain('`npm start` will compile again');
    expect((await node(buildOnce, ['--always'])).code).toBe(1);

    const failed = await node(start);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('TS2322');
    expect(failed.stderr).toContain('the TypeScript build failed');
    expect(existsSync(join(dir, 'dist', '.build-stamp'))).toBe(false);

    writeFileSync(join(dir, 'src', 'value.ts'), 'export const value: number = 3;\n');
    expect(await node(start)).toMatchObject({ code: 0, stdout: 'main ran with 3\n' });
  }, 120_000);

  it('without TypeScript (a production install): prepare builds nothing and says why; start runs an existing build, or says what to do', async () => {
    const dir = checkout({ compiler: false });
    const prepare = await node(join(dir, 'src', 'cli', 'build-once.mjs'));
    expect(prepare.code).toBe(0);
    expect(prepare.stderr).toContain('TypeScript is not installed');

    const start = await node(join(dir, 'src', 'cli', 'start.mjs'));
    expect(start.code).toBe(1);
    expect(start.stderr).toContain('dist/src/main.js is missing and cannot be built here');

    mkdirSync(join(dir, 'dist', 'src'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'src', 'main.js'), "console.log('prebuilt main');\n");
    const prebuilt = await node(join(dir, 'src', 'cli', 'start.mjs'));
    expect(prebuilt).toMatchObject({ code: 0, stdout: 'prebuilt main\n' });
    expect(prebuilt.stderr).toContain('starting the existing build');
  });

  it('where there are no sources (a container stage with only package.json), prepare does nothing, quietly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'build-once-'));
    made.push(dir);
    mkdirSync(join(dir, 'src', 'cli'), { recursive: true });
    copyFileSync(join(ROOT, 'src', 'cli', 'build-once.mjs'), join(dir, 'src', 'cli', 'build-once.mjs'));
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    expect(await node(join(dir, 'src', 'cli', 'build-once.mjs'))).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(existsSync(join(dir, 'dist'))).toBe(false);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts).toMatchObject({
      prepare: 'node src/cli/build-once.mjs',
      build: 'node src/cli/build-once.mjs --always',
      start: 'node src/cli/start.mjs',
    });
  });
});
