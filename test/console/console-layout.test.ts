import type { Page } from 'playwright-core';
import { createChannel, createIntegration, createMember } from '../support/admin-helpers.js';
import { LAPTOP, PHONE, openTab } from '../support/console-browser.js';
import { launchChromium, type TestChromium } from '../support/test-chromium.js';
import { hookPath, startTestService, TEST_ADMIN_TOKEN, type TestService } from '../support/test-service.js';

/** The console on a laptop and on a phone: usable from the keyboard alone, and no page wider than the screen. */
let service: TestService;
let chrome: TestChromium;
let pages: string[];

beforeAll(async () => {
  service = await startTestService('sqlite', 'console-layout');
  chrome = await launchChromium();
  const channel = await createChannel(service, 'Payments', { timeZone: 'Asia/Shanghai' });
  const member = await createMember(service, 'Alice Chen', { email: 'alice@example.com' });
  const rule = await service.api('POST', `/channels/${channel.id}/escalation-rules`, { name: 'Default', levels: [{ memberIds: [member.id], waitMinutes: 5 }] });
  const integration = await createIntegration(service, { name: 'Grafana', channelId: channel.id });
  const longWord = 'x'.repeat(300);
  await service.post(hookPath(integration.url), { msg_type: 'post', content: { post: { zh_cn: { title: `Very long title ${longWord}`, content: [[{ tag: 'text', text: longWord }]] } } } });
  const [incident] = (await service.api('GET', '/incidents')).body.items;
  pages = ['#/incidents', `#/incidents/${incident.id}`, '#/channels', `#/channels/${channel.id}`, `#/channels/${channel.id}/rules/${rule.body.id}`, '#/integrations', `#/integrations/${integration.id}`, '#/members', `#/members/${member.id}`, '#/mapping-tables', '#/settings'];
}, 60_000);

afterAll(async () => {
  await chrome?.close();
  await service?.stop();
});

async function signInByKeyboard(page: Page): Promise<void> {
  await page.goto('/console/');
  // The token field has the focus on arrival (once the page has asked whether a session exists); Enter submits.
  await page.waitForFunction(() => (globalThis as any).document.activeElement?.name === 'token', undefined, { timeout: 5000 });
  await page.keyboard.type(TEST_ADMIN_TOKEN);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Incidents', level: 1 }).waitFor({ timeout: 5000 });
}

async function tabUntilFocused(page: Page, name: string): Promise<void> {
  for (let presses = 0; presses < 30; presses++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => (globalThis as any).document.activeElement?.textContent?.trim());
    if (focused === name) return;
  }
  throw new Error(`"${name}" is not reachable with Tab`);
}

describe.each([
  ['laptop', LAPTOP],
  ['phone', PHONE],
])('at %s width', (_name, viewport) => {
  it('signs in and moves between sections with the keyboard alone', async () => {
    const tab = await openTab(chrome.browser, service.url, viewport);
    await signInByKeyboard(tab.page);
    await tabUntilFocused(tab.page, 'Channels');
    await tab.page.keyboard.press('Enter');
    await tab.page.getByRole('heading', { name: 'Channels', level: 1 }).waitFor({ timeout: 5000 });
    // Focus moves to the page's content, so the next Tab goes into it rather than back through the menu.
    await tab.page.waitForFunction(() => (globalThis as any).document.activeElement?.id === 'main', undefined, { timeout: 2000 });
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });

  it('fits every page in the screen width, long alert text included', async () => {
    const tab = await openTab(chrome.browser, service.url, viewport);
    await signInByKeyboard(tab.page);
    for (const hash of pages) {
      await tab.page.goto(`/console/${hash}`);
      await tab.page.locator('main h1').first().waitFor({ timeout: 5000 });
      // The page's data has arrived (an open event stream keeps the network from ever going idle).
      await tab.page.locator('.loading').waitFor({ state: 'detached', timeout: 5000 });
      await tab.page.waitForTimeout(200);
      const { scrollWidth, innerWidth } = await tab.page.evaluate(() => ({
        scrollWidth: (globalThis as any).document.documentElement.scrollWidth as number,
        innerWidth: (globalThis as any).innerWidth as number,
      }));
      expect({ hash, scrollWidth }).toEqual({ hash, scrollWidth: innerWidth });
    }
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });
});
