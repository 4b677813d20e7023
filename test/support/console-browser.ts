import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { TEST_ADMIN_TOKEN } from './test-service.js';

/** Debian's Chromium, driven by playwright-core (whose own browser downloads cannot work here). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const LAPTOP = { width: 1366, height: 860 };
export const PHONE = { width: 390, height: 844 };

export interface ConsoleBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Launches Chromium, installing it first (test/support/chromium.mjs) when it is missing. Playwright gives every launch
 * a fresh temporary profile (its own --user-data-dir, removed at close); it refuses one passed in the arguments.
 */
export async function launchChromium(): Promise<ConsoleBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    const install = spawnSync(process.execPath, [join(process.cwd(), 'test/support/chromium.mjs')], { stdio: 'inherit' });
    if (install.status !== 0) throw new Error(`Chromium is not available at ${CHROMIUM_PATH}`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  return { browser, close: () => browser.close() };
}

export interface ConsoleTab {
  context: BrowserContext;
  page: Page;
  /**
   * Script errors and console errors the page produced (a CSP violation is one): a journey expects none. The
   * browser's own line for an HTTP error answer is left out: the tests provoke those on purpose (a 400, a 403).
   */
  problems: string[];
}

/** A new browser window (own cookies) at the given size, with clipboard access for the Copy buttons. */
export async function openTab(browser: Browser, baseUrl: string, viewport = LAPTOP): Promise<ConsoleTab> {
  const context = await browser.newContext({ viewport, baseURL: baseUrl, isMobile: viewport.width < 600, hasTouch: viewport.width < 600 });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`);
  });
  return { context, page, problems };
}

/** Signs in on the console's sign-in form, as a person would, and waits for the incident list. */
export async function signIn(page: Page, token = TEST_ADMIN_TOKEN): Promise<void> {
  await page.goto('/console/');
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Incidents', level: 1 }).waitFor();
}

/** The console session cookie the browser holds, if any. */
export async function sessionCookie(context: BrowserContext) {
  return (await context.cookies()).find((cookie) => cookie.name === 'oncall_console_session');
}
