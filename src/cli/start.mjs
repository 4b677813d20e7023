#!/usr/bin/env node
/**
 * `npm start`: compiles only if the sources changed since the last build (normally `npm ci` built them already), then
 * runs the service in this same process — one Node start, not two, before the first request is answered.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ENTRY, PROJECT_ROOT, ensureBuilt } from './build-once.mjs';

try {
  const outcome = ensureBuilt();
  if (outcome === 'no-compiler' && existsSync(join(PROJECT_ROOT, ENTRY))) {
    process.stderr.write('oncall-im: the sources changed since dist/ was built, but TypeScript is not installed to rebuild it: starting the existing build.\n');
  }
} catch (error) {
  process.stderr.write(`oncall-im: ${error.message}\n`);
  process.exit(1);
}
if (!existsSync(join(PROJECT_ROOT, ENTRY))) {
  process.stderr.write(`oncall-im: ${ENTRY} is missing and cannot be built here (TypeScript is not installed): run \`npm ci\`, then \`npm start\`.\n`);
  process.exit(1);
}
await import(pathToFileURL(join(PROJECT_ROOT, ENTRY)).href);
