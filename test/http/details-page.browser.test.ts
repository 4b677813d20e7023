import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { createChannel, createIntegration, createMember } from '../support/admin-helpers.js';
import { launchChromium, type TestChromium } from '../support/test-chromium.js';
import { TEST_ADMIN_TOKEN, hookPath, startTestService, type TestService } from '../support/test-service.js';

const SCREENSHOT = join(process.cwd(), 'docs', 'screenshots', 'details-page-phone.png');

/** The Details page in a real Chromium at phone width: it fits, its CSP holds, and an admin's Acknowledge works. */
describe('Details page in Chromium', () => {
  let service: TestService;
  let chrome: TestChromium;
  let browser: Browser;
  let incidentId: number;

  beforeAll(async () => {
    service = await startTestService('sqlite', 'details_browser', { publicBaseUrl: 'http://127.0.0.1' });
    const channel = await createChannel(service, 'payments-sre', { timeZone: 'Asia/Shanghai' });
    const alice = await createMember(service, 'Alice Ops');
    await service.api('POST', `/channels/${channel.id}/escalation-rules`, {
      name: 'Primary on-call',
      levels: [{ memberIds: [alice.id], notifyGroupChats: false, notifyDirect: true, waitMinutes: 5 }, { memberIds: [alice.id], notifyGroupChats: false, notifyDirect: true, waitMinutes: 15 }],
    });
    const hook = await createIntegration(service, { name: 'grafana', channelId: channel.id, messageFormat: 'markdown' });
    const long = 'x'.repeat(400);
    await service.post(hookPath(hook.url), {
      msg_type: 'interactive',
      card: {
        header: { title: { tag: 'plain_text', content: '[FIRING:1] Checkout p99 latency over 2 s on payments-api' } },
        elements: [
          { tag: 'markdown', content: `## What happened\n**p99** latency is **2.7 s** (threshold 2 s) on \`payments-api\`.\n\n- runbook: [Latency runbook](https://runbooks.example/latency)\n- dashboard: https://grafana.example/d/payments\n\n\`\`\`\nhost=pay-7 region=cn-east-1 ${long}\n\`\`\`` },
          { tag: 'action', actions: [{ tag: 'button', text: { tag: 'plain_text', content: 'Open in Grafana' }, url: 'https://grafana.example/d/payments?viewPanel=4' }] },
        ],
      },
    });
    incidentId = (await service.api('GET', '/incidents?limit=1')).body.items[0].id;
    for (let tries = 0; tries < 100 && !(await service.api('GET', `/incidents/${incidentId}`)).body.timeline.some((entry: any) => entry.kind === 'escalated'); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    chrome = await launchChromium();
    browser = chrome.browser;
  });
  afterAll(async () => {
    await chrome?.close();
    await service.stop();
  });

  const pageUrl = () => `${service.url}${new URL(service.services.links.detailsUrl(incidentId)).pathname}${new URL(service.services.links.detailsUrl(incidentId)).search}`;

  it('fits a phone screen without sideways scrolling, breaks no CSP rule, and is saved as a screenshot', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      // The browser's own favicon request is not the page's doing.
      if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) violations.push(`${message.text()} ${message.location().url}`);
    });
    const response = await page.goto(pageUrl());
    expect(response?.status()).toBe(200);
    expect(await page.locator('h1').innerText()).toBe('[FIRING:1] Checkout p99 latency over 2 s on payments-api');
    expect(await page.locator('.badge.status-triggered').isVisible()).toBe(true);
    // The stylesheet applied (served as a file under the CSP), and nothing is wider than the screen.
    expect(await page.locator('.badge').first().evaluate((element) => (globalThis as any).getComputedStyle(element).borderRadius)).toBe('999px');
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number)).toBeLessThanOrEqual(390);
    // The timeline starts within the first two screens, however long the description.
    const timelineTop = await page.locator('#timeline-heading').evaluate((element) => (element as any).getBoundingClientRect().top as number);
    expect(timelineTop).toBeLessThan(2 * 844);
    expect(await page.getByRole('link', { name: 'Open in Grafana' }).getAttribute('href')).toBe('https://grafana.example/d/payments?viewPanel=4');
    expect(await page.getByRole('link', { name: 'Latency runbook' }).getAttribute('rel')).toBe('noopener noreferrer nofollow');
    // Raw payloads are folded until asked for.
    expect(await page.locator('details pre').first().isVisible()).toBe(false);
    await page.getByText('Raw payload').first().click();
    expect(await page.locator('details pre').first().isVisible()).toBe(true);
    await page.getByText('Raw payload').first().click();
    expect(violations).toEqual([]);
    mkdirSync(join(process.cwd(), 'docs', 'screenshots'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await context.close();
  });

  it("an admin's Acknowledge posts to the admin API through the page's script and shows the new state", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, extraHTTPHeaders: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') violations.push(message.text());
    });
    await page.goto(pageUrl());
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.locator('.badge.status-acknowledged').waitFor();
    expect((await service.api('GET', `/incidents/${incidentId}`)).body.incident.status).toBe('acknowledged');
    expect(await page.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Escalate' }).click();
    await page.locator('.timeline li').filter({ hasText: 'level 2' }).first().waitFor();
    expect(violations).toEqual([]);
    await context.close();
  });
});
