import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (whose own browser downloads cannot work here). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface TestChromium {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Launches Chromium, installing it first (test/support/chromium.mjs) when it is missing. Playwright gives every launch
 * a fresh temporary profile (its own --user-data-dir, removed at close); it refuses one passed in the arguments.
 */
export async function launchChromium(): Promise<TestChromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    const install = spawnSync(process.execPath, [join(process.cwd(), 'test/support/chromium.mjs')], { stdio: 'inherit' });
    if (install.status !== 0) throw new Error(`Chromium is not available at ${CHROMIUM_PATH}`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  return { browser, close: () => browser.close() };
}

