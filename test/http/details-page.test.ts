import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IncidentEntity } from '../../src/db/entities/incident.entity.js';
import { IncidentLinks } from '../../src/services/incidents/incident-links.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { createChannel, createIntegration, createMember } from '../support/admin-helpers.js';
import { TEST_ADMIN_TOKEN, hookPath, startTestService, type TestService } from '../support/test-service.js';

const DAY_MS = 86_400_000;

/** The path and query of a Details URL (its host is PUBLIC_BASE_URL, not the test server). */
const pathOf = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

async function open(service: TestService, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${service.url}${path}`, { headers });
  return { status: response.status, headers: response.headers, html: await response.text() };
}

/** A Feishu interactive card as Grafana-style senders post it: markdown, a link button, a card-level link. */
function grafanaCard(title: string, markdown: string) {
  return {
    msg_type: 'interactive',
    card: {
      header: { title: { tag: 'plain_text', content: title } },
      card_link: { url: 'https://grafana.example/alerting/list' },
      elements: [
        { tag: 'div', text: { tag: 'lark_md', content: markdown } },
        {
          tag: 'action',
          actions: [
            { tag: 'button', text: { tag: 'plain_text', content: 'Open in Grafana' }, url: 'https://grafana.example/d/abc?orgId=1&var=x', type: 'primary' },
            { tag: 'button', text: { tag: 'plain_text', content: 'Silence' }, multi_url: { url: 'https://grafana.example/silence/new', pc_url: '', android_url: '', ios_url: '' } },
            { tag: 'button', text: { tag: 'plain_text', content: 'Evil' }, url: 'javascript:alert(document.cookie)' },
          ],
        },
      ],
    },
  };
}

describe.each(DATABASE_KINDS)('Details page on %s', (kind) => {
  let service: TestService;
  let channel: any;
  let hook: any;
  let alice: any;

  beforeAll(async () => {
    service = await startTestService(kind, 'details_page');
    channel = await createChannel(service, 'payments-sre', { timeZone: 'Asia/Shanghai' });
    hook = await createIntegration(service, { name: 'grafana', channelId: channel.id, messageFormat: 'markdown' });
    alice = await createMember(service, 'Alice Ops', { email: 'alice@example.com' });
    const rule = await service.api('POST', `/channels/${channel.id}/escalation-rules`, {
      name: 'Primary on-call',
      levels: [
        { memberIds: [alice.id], notifyGroupChats: false, notifyDirect: true, waitMinutes: 600 },
        { memberIds: [alice.id], notifyGroupChats: false, notifyDirect: true, waitMinutes: 600 },
      ],
    });
    expect(rule.status).toBe(201);
  });
  afterAll(async () => {
    await service.stop();
  });

  async function newIncident(body: object): Promise<number> {
    const sent = await service.post(hookPath(hook.url), body);
    expect(sent.body).toEqual(expect.objectContaining({ code: 0 }));
    const list = await service.api('GET', '/incidents?limit=1');
    return list.body.items[0].id;
  }

  /** Waits until escalation has paged level 1 (it starts after the alert's commit). */
  async function escalated(id: number): Promise<void> {
    for (let tries = 0; tries < 100; tries++) {
      const detail = await service.api('GET', `/incidents/${id}`);
      if (detail.body.timeline.some((entry: any) => entry.kind === 'escalated')) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('not escalated');
  }

  describe('an interactive-card alert', () => {
    let id: number;
    let page: Awaited<ReturnType<typeof open>>;

    beforeAll(async () => {
      id = await newIncident(
        grafanaCard('CPU high on db-1', '## Summary\n**CPU** at 97% on `db-1`\n\n- see [runbook](https://runbooks.example/cpu)\n- and [this](javascript:alert(1))\n\n```\nload 12.5\n```'),
      );
      await escalated(id);
      expect((await service.api('POST', `/incidents/${id}/acknowledge`, { memberId: alice.id })).status).toBe(200);
      page = await open(service, pathOf(service.services.links.detailsUrl(id)));
    });

    it('keeps the card buttons and card link at intake, safe ones only', async () => {
      const detail = await service.api('GET', `/incidents/${id}`);
      expect(detail.body.alerts[0].links).toEqual([
        { text: 'Open', url: 'https://grafana.example/alerting/list' },
        { text: 'Open in Grafana', url: 'https://grafana.example/d/abc?orgId=1&var=x' },
        { text: 'Silence', url: 'https://grafana.example/silence/new' },
      ]);
    });

    it('answers an HTML page with the security headers and a lang', () => {
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = page.headers.get('content-security-policy')!;
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.html).toMatch(/^<!doctype html>\s*<html lang="en">/);
      expect(page.html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(page.html).not.toMatch(/<style|style=|<script(?![^>]*src=)/i);
    });

    it('shows status and severity as badges, the channel, responders and escalation state', () => {
      expect(page.html).toContain('<span class="badge status-acknowledged">Acknowledged</span>');
      expect(page.html).toContain('<span class="badge severity-warning">Warning</span>');
      expect(page.html).toContain('<dt>Channel</dt><dd><bdi>payments-sre</bdi></dd>');
      expect(page.html).toContain('<dt>Responders</dt><dd><bdi>Alice Ops</bdi></dd>');
      expect(page.html).toContain('<dt>Paged</dt><dd><bdi>Alice Ops</bdi></dd>');
      expect(page.html).toContain('<dt>Rule</dt><dd><bdi>Primary on-call</bdi></dd>');
      expect(page.html).toContain('<dt>Level</dt><dd>level 1 of 2</dd>');
    });

    it('renders the description as markdown with only safe links', () => {
      expect(page.html).toContain('<h2>Summary</h2>');
      expect(page.html).toContain('<strong>CPU</strong>');
      expect(page.html).toContain('<code>db-1</code>');
      expect(page.html).toContain('<a href="https://runbooks.example/cpu" rel="noopener noreferrer nofollow" target="_blank">runbook</a>');
      expect(page.html).toContain('<pre><code>load 12.5\n</code></pre>');
      expect(page.html).not.toMatch(/href="javascript:/i);
      expect(page.html).toContain('[this](javascript:alert(1))');
    });

    it("shows the alert's own links as buttons", () => {
      expect(page.html).toContain('<a class="button" href="https://grafana.example/d/abc?orgId=1&amp;var=x" rel="noopener noreferrer nofollow" target="_blank"><bdi>Open in Grafana</bdi></a>');
      const links = page.html.slice(page.html.indexOf('aria-label="Links"'), page.html.indexOf('</section>', page.html.indexOf('aria-label="Links"')));
      expect(links.match(/<li>/g)).toHaveLength(3);
      expect(links).not.toContain('Evil');
    });

    it('writes the timeline with human names, actors and times in the channel zone', () => {
      expect(page.html).toContain('<span class="what">Acknowledged</span> by <bdi>Alice Ops</bdi>');
      expect(page.html).toContain('<span class="what">Escalated</span> by <bdi>escalation rule</bdi><br><span class="detail"><bdi>level 1 · paged Alice Ops · rule &quot;Primary on-call&quot;</bdi></span>');
      expect(page.html).toContain('<span class="what">Triggered</span> by <bdi>integration &quot;grafana&quot;</bdi>');
      expect(page.html).not.toMatch(/>(alert_added|triggered|acknowledged)</);
      expect(page.html).toMatch(/<time datetime="[^"]+Z">\d{4}-\d\d-\d\d \d\d:\d\d CST<\/time> <span class="ago">\((just now|\d+ min ago)\)<\/span>/);
      expect(page.html).toContain('Times in Asia/Shanghai.');
    });

    it('folds the raw payload', () => {
      expect(page.html).toMatch(/<details><summary>Raw payload<\/summary><pre>\{&quot;msg_type&quot;:&quot;interactive&quot;/);
    });

    it('shows no actions to a reader, and the actions to an admin', async () => {
      expect(page.html).not.toContain('<form');
      const admin = await open(service, pathOf(service.services.links.detailsUrl(id)), { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
      expect(admin.html).toContain(`<form method="post" action="/api/v1/incidents/${id}/close" data-body="{}"><button type="submit">Close</button></form>`);
      expect(admin.html).toContain(`action="/api/v1/incidents/${id}/escalate" data-body="{&quot;step&quot;:1}"`);
      expect(admin.html).not.toContain(`/incidents/${id}/acknowledge"`);
      expect(admin.html).toContain('<script src="/assets/details-page.js" defer></script>');
    });

    it('serves its stylesheet and script as files', async () => {
      const css = await fetch(`${service.url}/assets/details-page.css`);
      expect(css.headers.get('content-type')).toMatch(/^text\/css/);
      expect(await css.text()).toContain('@media (max-width:480px)');
      const js = await fetch(`${service.url}/assets/details-page.js`);
      expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(await js.text()).toContain("'x-csrf-token'");
    });
  });

  describe('the admin escalate endpoint the page posts to', () => {
    it('pages the next level once; a stale step pages nothing', async () => {
      const id = await newIncident({ msg_type: 'text', content: { text: 'escalate me' } });
      await escalated(id);
      const stale = await service.api('POST', `/incidents/${id}/escalate`, { step: 0 });
      expect(stale.status).toBe(200);
      expect(stale.body.outcome).toBe('skipped');
      const next = await service.api('POST', `/incidents/${id}/escalate`, { step: 1 });
      expect(next.body).toEqual(expect.objectContaining({ outcome: 'paged', paged: ['Alice Ops'] }));
      expect(next.body.incident.escalation).toEqual(expect.objectContaining({ level: 2, levels: 2 }));
      // Two levels, no repeat: the last level has been paged now.
      const done = await service.api('POST', `/incidents/${id}/escalate`, {});
      expect(done.body).toEqual(expect.objectContaining({ outcome: 'skipped', reason: expect.stringContaining('last level') }));
      expect((await service.api('POST', '/incidents/999999/escalate', {})).status).toBe(404);
      expect((await service.api('POST', `/incidents/${id}/escalate`, { step: -1 })).status).toBe(400);
    });
  });

  describe('who may open it', () => {
    it('a wrong signature and an unknown incident answer the same 404 page', async () => {
      const id = await newIncident({ msg_type: 'text', content: { text: 'signed' } });
      const wrong = await open(service, `/incidents/${id}?sig=AAAAAAAAAAAAAAAAAAAAAA`);
      const missing = await open(service, pathOf(service.services.links.detailsUrl(987654)));
      const none = await open(service, `/incidents/${id}`);
      for (const answer of [wrong, missing, none]) {
        expect(answer.status).toBe(404);
        expect(answer.html).toContain('Link not valid');
        expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
      }
    });

    it('a link signed with the key derived from the admin token (cards posted before) still opens', async () => {
      const id = await newIncident({ msg_type: 'text', content: { text: 'legacy' } });
      const { createHmac } = await import('node:crypto');
      const legacyKey = createHmac('sha256', 'incident-links').update(TEST_ADMIN_TOKEN).digest();
      const legacy = createHmac('sha256', legacyKey).update(String(id)).digest('base64url').slice(0, 22);
      expect((await open(service, `/incidents/${id}?sig=${legacy}`)).status).toBe(200);
      expect(service.services.links.signature(id)).not.toBe(legacy);
    });

    it('expires 30 days after the close with a clear 410, and a reopen brings it back', async () => {
      const id = await newIncident({ msg_type: 'text', content: { text: 'expiring' } });
      const path = pathOf(service.services.links.detailsUrl(id));
      expect((await service.api('POST', `/incidents/${id}/close`)).status).toBe(200);
      const closed = await open(service, path);
      expect(closed.status).toBe(200);
      expect(closed.html).toContain('This link stops working');

      await service.db.manager.update(IncidentEntity, id, { closedAt: new Date(Date.now() - 29 * DAY_MS) });
      expect((await open(service, path)).status).toBe(200);
      await service.db.manager.update(IncidentEntity, id, { closedAt: new Date(Date.now() - 31 * DAY_MS) });
      const expired = await open(service, path);
      expect(expired.status).toBe(410);
      expect(expired.html).toContain('Link expired');
      expect(expired.html).toContain(`Incident #${id} was closed`);
      expect(expired.html).not.toContain('expiring');

      expect((await service.api('POST', `/incidents/${id}/reopen`)).status).toBe(200);
      expect((await open(service, path)).status).toBe(200);
    });
  });

  describe('hostile alert text', () => {
    const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)> &lt;b&gt; \u202Egnp.exe\u202C zero\u200Bwidth \u2067rtl\u2069 مرحبا';

    it('is escaped and isolated in every field, bidi controls dropped', async () => {
      const evilChannel = await createChannel(service, `ch ${HOSTILE}`.slice(0, 100));
      const evilHook = await createIntegration(service, { name: `int ${HOSTILE}`.slice(0, 100), channelId: evilChannel.id, messageFormat: 'markdown' });
      const evilMember = await createMember(service, `m ${HOSTILE}`.slice(0, 100));
      const rule = await service.api('POST', `/channels/${evilChannel.id}/escalation-rules`, {
        name: `r ${HOSTILE}`.slice(0, 100),
        levels: [{ memberIds: [evilMember.id], notifyGroupChats: false, notifyDirect: true, waitMinutes: 60 }],
      });
      expect(rule.status).toBe(201);
      const sent = await service.post(hookPath(evilHook.url), {
        msg_type: 'post',
        content: {
          post: {
            en_us: {
              title: `title ${HOSTILE}`,
              content: [[{ tag: 'text', text: `body ${HOSTILE} <a href="javascript:alert(3)">x</a>` }, { tag: 'a', text: `link ${HOSTILE}`, href: 'https://ok.example/?q=<x>' }, { tag: 'a', text: 'bad', href: 'javascript:alert(4)' }]],
            },
          },
        },
      });
      expect(sent.body.code).toBe(0);
      const id = (await service.api('GET', '/incidents?limit=1')).body.items[0].id;
      await escalated(id);
      expect((await service.api('POST', `/incidents/${id}/acknowledge`, { memberId: evilMember.id })).status).toBe(200);
      const page = await open(service, pathOf(service.services.links.detailsUrl(id)));
      expect(page.status).toBe(200);
      expect(page.html).not.toMatch(/<script|<img|href="javascript:/i);
      expect(page.html).toContain('<dt>Responders</dt><dd><bdi>m &lt;script&gt;');
      expect(page.html).toContain('<dt>Rule</dt><dd><bdi>r &lt;script&gt;');
      expect(page.html).toContain('<span class="what">Acknowledged</span> by <bdi>m &lt;script&gt;');
      expect(page.html).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
      expect(page.html).toContain('<h1><bdi>title &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &amp;lt;b&amp;gt; gnp.exe zero\u200Bwidth rtl مرحبا</bdi></h1>');
      expect(page.html).toContain('<dt>Channel</dt><dd><bdi>ch &lt;script&gt;');
      expect(page.html).toContain('by <bdi>integration &quot;int &lt;script&gt;');
      expect(page.html).toContain('<a class="button" href="https://ok.example/?q=%3Cx%3E"');
    });

    it('a giant description is cut with a note, the page stays bounded', async () => {
      const line = `${'x'.repeat(90)} <b>&amp;\n`;
      const id = await newIncident({ msg_type: 'text', content: { text: line.repeat(190) } });
      const page = await open(service, pathOf(service.services.links.detailsUrl(id)));
      expect(page.status).toBe(200);
      expect(page.html).toContain('Cut at 10,000 characters');
      expect(page.html).not.toContain('<b>');
      expect(page.html.length).toBeLessThan(120_000);
    });
  });
});

describe('Details link key kept in the data dir', () => {
  it('is generated once (owner-only file, not the admin token) and survives a restart, so posted links keep working', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'details-key-'));
    const first = await startTestService('sqlite', 'details_key_a', { dataDir });
    const signature = first.services.links.signature(7);
    await first.stop();
    const file = join(dataDir, 'details-link-key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const key = readFileSync(file, 'utf8').trim();
    expect(key.length).toBeGreaterThanOrEqual(32);
    expect(key).not.toContain(TEST_ADMIN_TOKEN);
    const second = await startTestService('sqlite', 'details_key_b', { dataDir });
    expect(second.services.links.signature(7)).toBe(signature);
    await second.stop();
    const configured = await startTestService('sqlite', 'details_key_c', { dataDir, detailsLinks: { key: 'configured-details-key-0123456789abcdef', ttlAfterCloseMs: DAY_MS } });
    expect(configured.services.links.signature(7)).not.toBe(signature);
    await configured.stop();
    expect(readFileSync(file, 'utf8').trim()).toBe(key);
  });
});

describe('Details link keys on sqlite', () => {
  const OLD_KEY = 'old-details-link-key-0123456789abcdef';
  const NEW_KEY = 'new-details-link-key-0123456789abcdef';
  let rotated: TestService;
  let hook: any;

  beforeAll(async () => {
    rotated = await startTestService('sqlite', 'details_keys', {
      detailsLinks: { key: NEW_KEY, previous: { key: OLD_KEY, until: new Date(Date.now() + DAY_MS) }, ttlAfterCloseMs: 2 * DAY_MS },
    });
    const channel = await createChannel(rotated, 'keys');
    hook = await createIntegration(rotated, { name: 'keys', channelId: channel.id });
  });
  afterAll(async () => {
    await rotated.stop();
  });

  it('signs with the configured key and still opens links of the previous key during its grace', async () => {
    await rotated.post(hookPath(hook.url), { msg_type: 'text', content: { text: 'rotation' } });
    const id = (await rotated.api('GET', '/incidents?limit=1')).body.items[0].id;
    const signedWith = (key: string, until?: Date) => pathOf(new IncidentLinks('http://oncall.test', { current: key, ttlAfterCloseMs: DAY_MS, ...(until ? {} : {}) }).detailsUrl(id));
    expect(pathOf(rotated.services.links.detailsUrl(id))).toBe(signedWith(NEW_KEY));
    expect((await open(rotated, signedWith(NEW_KEY))).status).toBe(200);
    expect((await open(rotated, signedWith(OLD_KEY))).status).toBe(200);
    expect((await open(rotated, signedWith('some-other-key-0123456789abcdef0123'))).status).toBe(404);
  });

  it('refuses the previous key once its grace is over, and honours the configured expiry', async () => {
    const now = { at: new Date() };
    const links = new IncidentLinks('http://oncall.test', { current: NEW_KEY, previous: { key: OLD_KEY, until: new Date(now.at.getTime() + 1000) }, ttlAfterCloseMs: 2 * DAY_MS }, () => now.at);
    const old = new IncidentLinks('http://oncall.test', { current: OLD_KEY, ttlAfterCloseMs: DAY_MS }).signature(5);
    expect(links.verify(5, old)).toBe('previous');
    now.at = new Date(now.at.getTime() + 1000);
    expect(links.verify(5, old)).toBeUndefined();
    expect(links.verify(5, links.signature(5))).toBe('current');
    expect(links.expired({ closedAt: null })).toBe(false);
    expect(links.expired({ closedAt: new Date(now.at.getTime() - 2 * DAY_MS + 60_000) })).toBe(false);
    expect(links.expired({ closedAt: new Date(now.at.getTime() - 2 * DAY_MS) })).toBe(true);
  });
});
