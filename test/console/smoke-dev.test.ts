import { launchChromium, openTab, signIn } from '../support/console-browser.js';
import { startTestService } from '../support/test-service.js';

it('loads', async () => {
  const service = await startTestService('sqlite', 'console-smoke');
  const chrome = await launchChromium();
  try {
    const tab = await openTab(chrome.browser, service.url);
    await signIn(tab.page);
    for (const hash of ['#/channels', '#/integrations', '#/members', '#/mapping-tables']) {
      await tab.page.goto(`/console/${hash}`);
      await tab.page.waitForTimeout(700);
      console.log(hash, (await tab.page.locator('main').innerText()).slice(0, 300));
    }
    console.log(tab.problems);
  } finally {
    await chrome.close();
    await service.stop();
  }
});
