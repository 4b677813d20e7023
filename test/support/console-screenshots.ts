/**
 * Screenshots of the admin console's main pages at laptop and phone width, for the README:
 *
 *   npm run screenshots        (writes docs/screenshots/*.png)
 *
 * Starts the whole service on a throwaway SQLite database, fills it through the admin API and the alert URL as an
 * admin would, and drives Debian's Chromium with the browser tests' own helpers.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { RefusingImap } from '../fakes/refusing-imap.js';
import { LAPTOP, PHONE, openTab, signIn } from './console-browser.js';
import { mailboxDisabledAfterErrors } from './email-helpers.js';
import { launchChromium } from './test-chromium.js';
import { hookPath, startTestService, type TestService } from './test-service.js';

const OUT = join(process.cwd(), 'docs', 'screenshots');

async function api(service: TestService, method: string, path: string, body?: unknown) {
  const answer = await service.api(method, path, body);
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

function post(title: string, text: string) {
  return { msg_type: 'post', content: { post: { zh_cn: { title, content: [[{ tag: 'text', text }]] } } } };
}

/** A channel with members, a bot, a two-level rule, an integration and a few incidents in different states. */
async function seed(service: TestService) {
  const channel = await api(service, 'POST', '/channels', { name: 'Payments', description: 'Checkout, billing and the payment gateway', timeZone: 'Asia/Shanghai' });
  await api(service, 'POST', '/channels', { name: 'Platform', description: 'Kubernetes, databases, networking', timeZone: 'Europe/Berlin' });
  const alice = await api(service, 'POST', '/members', { name: 'Alice Chen', email: 'alice@example.com', phone: '+86 138 0000 0001', isAdmin: true, contactMethods: ['im', 'email'] });
  await api(service, 'POST', '/im-identities', { platform: 'feishu', mappings: [{ memberId: alice.id, externalId: 'ou_7d8a6e6df7621556ce0d21922b676706' }] });
  const bob = await api(service, 'POST', '/members', { name: 'Bob Li', email: 'bob@example.com' });
  await api(service, 'POST', '/members', { name: 'Carol Wang', email: 'carol@example.com' });
  await api(service, 'POST', `/channels/${channel.id}/bots`, { name: 'Payments group', kind: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=demo' });
  const rule = await api(service, 'POST', `/channels/${channel.id}/escalation-rules`, {
    name: 'Around the clock',
    levels: [
      { memberIds: [alice.id], waitMinutes: 10 },
      { memberIds: [bob.id], waitMinutes: 20 },
    ],
    repeat: 1,
  });
  const integration = await api(service, 'POST', '/integrations', { name: 'Grafana', channelId: channel.id, pushMode: 'by_title' });
  const send = (title: string, text: string) => service.post(hookPath(integration.url), post(title, text));
  await send('[warning] checkout latency p99 above 800 ms', 'p99 = 912 ms over 5 min on checkout-api');
  await send('[critical] payment gateway 5xx above 5%', 'error rate 7.2% on POST /pay (gateway: stripe-eu)');
  await send('[info] nightly settlement finished late', 'settlement job took 74 min (usual: 40)');
  const incidents = (await api(service, 'GET', '/incidents')).items;
  await api(service, 'POST', `/incidents/${incidents[2].id}/acknowledge`, {});
  return { channel, integration, rule, incident: incidents[1], member: alice };
}

/**
 * An email integration whose mailbox refuses the login, disabled automatically (thresholds lowered for the run and
 * put back), for the Health panel.
 */
async function seedFailingMailbox(service: TestService, channelId: number, imap: RefusingImap) {
  const id = await mailboxDisabledAfterErrors(service, 'Alerts mailbox', channelId, imap.port, { imapUser: 'alerts@example.com' });
  await api(service, 'PATCH', '/settings', { emailErrorsDisableAfter: 10, emailErrorsNotifyAfter: 3 });
  return { id };
}

async function shoot(page: Page, name: string, width: string) {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.waitForTimeout(300);
  const file = join(OUT, `${name}-${width}.png`);
  await page.screenshot({ path: file, fullPage: width === 'laptop' });
  process.stdout.write(`wrote ${file}\n`);
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const service = await startTestService('sqlite', 'screenshots');
  const chrome = await launchChromium();
  const imap = await new RefusingImap('Invalid credentials (Failure)').start();
  try {
    const { channel, integration, rule, incident, member } = await seed(service);
    const mailbox = await seedFailingMailbox(service, channel.id, imap);
    for (const [width, viewport] of [['laptop', LAPTOP], ['phone', PHONE]] as const) {
      const { page, context } = await openTab(chrome.browser, service.url, viewport);
      await page.goto('/console/');
      await page.getByLabel('Admin token').waitFor();
      await shoot(page, 'sign-in', width);
      await signIn(page);
      await page.getByRole('link', { name: 'payment gateway' }).first().waitFor();
      await shoot(page, 'incidents', width);
      await page.goto(`/console/#/incidents/${incident.id}`);
      await page.getByRole('button', { name: 'Acknowledge' }).waitFor();
      await shoot(page, 'incident', width);
      await page.goto(`/console/#/channels/${channel.id}`);
      await page.getByRole('heading', { name: 'Escalation rules' }).waitFor();
      await shoot(page, 'channel', width);
      await page.goto(`/console/#/integrations/${integration.id}`);
      await page.getByRole('button', { name: 'Test', exact: true }).click();
      await page.locator('.test-result').waitFor();
      await shoot(page, 'integration', width);
      await page.goto(`/console/#/integrations/${mailbox.id}`);
      await page.getByRole('button', { name: 'Enable again' }).waitFor();
      await shoot(page, 'integration-email', width);
      await page.goto(`/console/#/channels/${channel.id}/rules/${rule.id}`);
      await page.getByRole('button', { name: 'Run' }).click();
      await page.locator('.dry-run-result').waitFor();
      await shoot(page, 'escalation-rule', width);
      await page.goto('/console/#/members');
      await page.getByRole('heading', { name: 'Link health' }).waitFor();
      await shoot(page, 'members', width);
      await page.goto(`/console/#/members/${member.id}`);
      await page.getByText('mapped by an admin').waitFor();
      await shoot(page, 'member', width);
      await page.goto('/console/#/settings');
      await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Save' }).waitFor();
      await shoot(page, 'settings', width);
      // The Details page a card links to (signed link), seen by a signed-in admin.
      const details = new URL(service.services.links.detailsUrl(incident.id));
      await page.goto(`${details.pathname}${details.search}`);
      await shoot(page, 'details', width);
      await context.close();
    }
  } finally {
    await chrome.close();
    await service.stop();
    await imap.close();
  }
}

await main();
