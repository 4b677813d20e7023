/**
 * Runs one of the project's TypeScript entry points (a CLI in src/cli) the way `node dist/…js` would, without a build:
 *
 *   node test/support/run-ts.mjs src/cli/slack-manifest.ts --socket
 */
import { register } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';

const entry = process.argv[2];
if (!entry) {
  process.stderr.write('usage: node test/support/run-ts.mjs <entry.ts> [args…]\n');
  process.exit(2);
}
register(new URL('./ts-loader.mjs', import.meta.url));
await import(pathToFileURL(resolvePath(entry)).href);
