/**
 * Emails from templates, as the email destination gets them (services.emailTemplates.render): subject, plain text and
 * HTML from the channel's own templates or the built-in ones; alert text HTML-escaped in the HTML only; a failing
 * template replaced by the built-in one.
 */
import { createLogger } from '../../../src/lib/logger.js';
import { TemplateEmailPages } from '../../../src/services/templates/template-email-pages.js';
import { CapturedLog } from '../../support/captured-log.js';
import { DATABASE_KINDS } from '../../support/databases.js';
import { createIntegration, postMessage } from '../../support/feishu-helpers.js';
import { startTestService, type TestService } from '../../support/test-service.js';

describe.each(DATABASE_KINDS)('email messages on %s', (kind) => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService(kind, 'email_tpl');
  });
  afterAll(async () => {
    await service?.stop();
  });

  async function incidentOf(title: string) {
    const integration = await createIntegration(service);
    expect((await service.post(integration.path, postMessage(title, '<script>alert(1)</script> disk full'))).body.code).toBe(0);
    return { integration, incident: (await service.api('GET', '/incidents?limit=1')).body.items[0] };
  }

  it('the built-in email: subject, plain text with the Details link, HTML with the alert text escaped', async () => {
    const { integration, incident } = await incidentOf('<img src=x onerror=alert(1)> db-1 & "down"');
    const email = await service.services.emailTemplates.render({ channelId: integration.channelId, incidentId: incident.id, event: 'triggered' });
    expect(email.subject).toBe(`[New incident] #${incident.id} <img src=x onerror=alert(1)> db-1 & "down"`);
    expect(email.text).toContain('Severity: warning');
    expect(email.text).toContain('<script>alert(1)</script> disk full');
    expect(email.text).toContain(`Details: ${service.services.links.detailsUrl(incident.id)}`);
    expect(email.html).toContain('&lt;img src=x onerror=alert(1)&gt; db-1 &amp; &quot;down&quot;');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; disk full');
    expect(email.html).not.toMatch(/<img|<script/);
    expect(email.html).toContain(`<a href="${service.services.links.detailsUrl(incident.id)}">`);
  });

  it("the channel's own email templates; a failing one gives way to the built-in one", async () => {
    const { integration, incident } = await incidentOf('api 5xx');
    const put = (templateKind: string, source: string) => service.api('PUT', `/channels/${integration.channelId}/templates/${templateKind}/page`, { source });
    expect((await put('email', 'PAGE L{{ level }}: {{ incident.title }}\n\nHello {% for person in mentions %}{{ person.name }} {% endfor %}')).status).toBe(201);
    expect((await put('email-html', '<p><b>{{ incident.title }}</b> for {{ mentions[0].name }}</p>{{ incident.nope }}')).status).toBe(201);
    const email = await service.services.emailTemplates.render({ channelId: integration.channelId, incidentId: incident.id, event: 'page', level: 2, mentions: [{ name: 'Ann <ann@example.com>' }] });
    expect(email.subject).toBe('PAGE L2: api 5xx');
    expect(email.text).toBe('Hello Ann <ann@example.com>');
    // The HTML template fails (an unknown variable): the built-in HTML of a page is sent.
    expect(email.html).toContain('<p>Escalation level 2: still triggered</p>');
  });

  it('an email page whose template cannot render (the incident cannot be read) is the built-in page, never lost', async () => {
    const { integration } = await incidentOf('x');
    const log = new CapturedLog();
    const pages = new TemplateEmailPages(service.services.emailTemplates, createLogger('info', log));
    const gone = { id: 987_654, channelId: integration.channelId, title: 'vanished <b>', description: 'd', status: 'triggered' as const, severity: 'critical' as const };
    const email = await pages.page({ incident: gone, levelNumber: 3, detailsUrl: 'http://oncall.test/i/987654', memberName: 'Ann', insteadOf: { method: 'im', reason: 'feishu: target_gone' } });
    expect(email.subject).toBe('[Incident #987654] vanished <b>');
    expect(email.text).toContain('Ann, escalation level 3');
    expect(email.text).toContain('You get this by email because the im message failed (feishu: target_gone).');
    expect(email.html).toContain('vanished &lt;b&gt;');
    expect(log.entries(/email page template not rendered/)).toHaveLength(1);
  });

  it("a channel's page template with a huge title: the subject is one header line capped at 200 characters", async () => {
    const { integration, incident } = await incidentOf(`${'t'.repeat(300)}\tBcc: x@example.com`);
    const put = await service.api('PUT', `/channels/${integration.channelId}/templates/email/page`, { source: '{{ incident.title }} {{ incident.description }}\n\nbody' });
    expect(put.status).toBe(201);
    const log = new CapturedLog();
    const pages = new TemplateEmailPages(service.services.emailTemplates, createLogger('info', log));
    const email = await pages.page({ incident: { ...incident, channelId: integration.channelId }, levelNumber: 1, detailsUrl: 'http://oncall.test/i', memberName: 'Ann' });
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.subject).toHaveLength(200);
    expect(email.subject.endsWith('…')).toBe(true);
    expect(email.text).toContain('body');
  });

  it('a test email uses the sample incident', async () => {
    const { integration } = await incidentOf('x');
    const email = await service.services.emailTemplates.render({ channelId: integration.channelId, event: 'test' });
    expect(email.subject).toBe('Test message from oncall-im');
    expect(email.html).toContain('This address will receive notifications of this channel.');
  });
});
