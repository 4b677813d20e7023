#!/usr/bin/env node
/**
 * The browser tests drive Debian's Chromium (playwright-core cannot download a browser here). Installs it with
 * apt-get when it is missing — as test-services.mjs starts MariaDB and Redis — or says in one line what to do.
 *
 *   node test/support/chromium.mjs        (CHROMIUM_PATH overrides /usr/bin/chromium)
 */
import { accessSync, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function installed() {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** undefined when Chromium is there (installing it if needed), else why it is not. */
export function ensureChromium() {
  if (installed()) return undefined;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' });
  if (apt.status !== 0) return `Chromium is not installed at ${CHROMIUM_PATH}: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH`;
  process.stderr.write(`Chromium is missing at ${CHROMIUM_PATH}: installing it with apt-get …\n`);
  const run = (args) => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  run(['update']);
  run(['install', '-y', '--no-install-recommends', 'chromium']);
  return installed() ? undefined : `apt-get could not install chromium (run as root, or install it and set CHROMIUM_PATH)`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problem = ensureChromium();
  if (problem) {
    process.stderr.write(`${problem}\n`);
    process.exit(1);
  }
}
