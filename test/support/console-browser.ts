import type { Browser, BrowserContext, Page } from 'playwright-core';
import { TEST_ADMIN_TOKEN } from './test-service.js';

export const LAPTOP = { width: 1366, height: 860 };
export const PHONE = { width: 390, height: 844 };

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
