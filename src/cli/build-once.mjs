#!/usr/bin/env node
/**
 * Compiles the service (tsconfig.build.json → dist/) only when its sources changed since the last build, so that
 * `npm start` does not spend ~8 s in tsc before every start. Plain JavaScript: it runs before anything is compiled.
 *
 *   node src/cli/build-once.mjs            build if stale (npm's `prepare`: once at `npm ci` / `npm install`); a
 *                                          failed build is reported but does not fail the install
 *   node src/cli/build-once.mjs --always   build now (`npm run build`); exits 1 when the build fails
 *
 * "Stale" is a cheap check, not a tsc run: a fingerprint of the path, size and modification time of every build
 * input (src/, migrations/, the tsconfig files, package.json and the lock file) is kept in dist/.build-stamp after a
 * successful build; a file added, removed, edited or touched changes it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const INPUT_DIRECTORIES = ['src', 'migrations'];
const INPUT_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];
/** Where the compiled service lives; removed before a build so no output of a deleted source lingers. */
const OUTPUT_DIRECTORIES = ['dist/src', 'dist/migrations'];
const STAMP = 'dist/.build-stamp';
export const ENTRY = 'dist/src/main.js';

/** Whether `root` holds the sources (a checkout), not just a built service (a container image, a release copy). */
function hasSources(root) {
  return existsSync(join(root, 'tsconfig.build.json')) && existsSync(join(root, 'src', 'main.ts'));
}

function listFiles(root, directory, found) {
  for (const entry of readdirSync(join(root, directory), { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) listFiles(root, path, found);
    else if (entry.isFile()) found.push(path);
  }
  return found;
}

/** The fingerprint of every build input: path, size and mtime, hashed. */
export function inputsFingerprint(root = PROJECT_ROOT) {
  const files = INPUT_DIRECTORIES.filter((directory) => existsSync(join(root, directory))).flatMap((directory) => listFiles(root, directory, []));
  files.push(...INPUT_FILES.filter((file) => existsSync(join(root, file))));
  const hash = createHash('sha256');
  for (const file of files.sort()) {
    const stat = statSync(join(root, file));
    hash.update(`${file}\t${stat.size}\t${stat.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

function readStamp(root) {
  try {
    return JSON.parse(readFileSync(join(root, STAMP), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Whether dist/ holds a build of the sources as they are now. */
export function isBuildCurrent(root = PROJECT_ROOT, fingerprint = inputsFingerprint(root)) {
  return existsSync(join(root, ENTRY)) && readStamp(root)?.fingerprint === fingerprint;
}

function findTsc(root) {
  try {
    return createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    return undefined;
  }
}

/**
 * Builds when the sources changed since the last build (always, with `always`). Returns what it did: 'current',
 * 'built', 'no-sources' (nothing to compile here) or 'no-compiler' (TypeScript is not installed: a production
 * install). Throws when the build fails.
 */
export function ensureBuilt({ root = PROJECT_ROOT, always = false, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  if (!hasSources(root)) return 'no-sources';
  const fingerprint = inputsFingerprint(root);
  if (!always && isBuildCurrent(root, fingerprint)) return 'current';
  const tsc = findTsc(root);
  if (!tsc) return 'no-compiler';
  const reason = existsSync(join(root, STAMP)) ? 'sources changed since the last build' : existsSync(join(root, ENTRY)) ? 'no record of what dist/ was built from' : 'first build';
  log(`oncall-im: compiling TypeScript into dist/ (${reason}) …`);
  const started = Date.now();
  for (const directory of OUTPUT_DIRECTORIES) rmSync(join(root, directory), { recursive: true, force: true });
  rmSync(join(root, STAMP), { force: true });
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`the TypeScript build failed (tsc exit code ${result.status ?? result.signal}); see its messages above`);
  // The fingerprint taken before compiling: a file edited during the build makes the next start build again.
  writeFileSync(join(root, STAMP), `${JSON.stringify({ fingerprint, builtAt: new Date().toISOString() })}\n`);
  log(`oncall-im: compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 'built';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const outcome = ensureBuilt({ always: process.argv.includes('--always') });
    if (outcome === 'no-compiler') {
      process.stderr.write('oncall-im: TypeScript is not installed (a production install?), so nothing was compiled; run `npm ci` with dev dependencies to build.\n');
      if (process.argv.includes('--always')) process.exit(1);
    }
  } catch (error) {
    process.stderr.write(`oncall-im: ${error.message}\n`);
    // As npm's prepare, a source that does not compile must not undo the install (`npm install <package>` in a work in
    // progress): `npm start` compiles again and stops there. `npm run build` fails.
    if (process.argv.includes('--always')) process.exit(1);
    process.stderr.write('oncall-im: the install itself went through; `npm start` will compile again.\n');
  }
}
