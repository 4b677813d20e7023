import { defaultEmailMessages, integrationTroubleText } from '../../../src/services/email/email-messages.js';

const incident = (title: string, description: string) => ({ id: 7, channelId: 1, title, description, status: 'triggered' as const, severity: 'warning' as const });

describe('the built-in email messages', () => {
  it('keep a hostile title to one header line and escape it (and the description) in the HTML', () => {
    const mail = defaultEmailMessages.page({
      incident: incident('disk full\r\nBcc: victim@example.com\n<b onmouseover=x>', '<script>alert(1)</script>\n& more'),
      levelNumber: 2,
      detailsUrl: 'http://oncall.test/incidents/7?sig=abc',
      memberName: '<Eve>',
    });
    expect(mail.subject).toBe('[Incident #7] disk full Bcc: victim@example.com <b onmouseover=x>');
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.html).not.toMatch(/<script|<b |<Eve>/);
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).toContain('&lt;Eve&gt;, escalation level 2');
    expect(mail.text).toContain('<script>alert(1)</script>');
  });

  it('cap the subject at 200 characters and the description at 10,000, without splitting an emoji', () => {
    const mail = defaultEmailMessages.page({ incident: incident(`${'x'.repeat(198)}😀😀`, 'y'.repeat(30_000)), levelNumber: 1, detailsUrl: 'http://oncall.test/i', memberName: 'A' });
    expect(mail.subject.length).toBeLessThanOrEqual(200);
    expect(mail.subject.endsWith('…')).toBe(true);
    expect(mail.subject).not.toMatch(/[\uD800-\uDBFF]…$/);
    expect(mail.text.length).toBeLessThan(10_500);
  });

  it('never link a details URL that is not http(s)', () => {
    const mail = defaultEmailMessages.page({ incident: incident('t', 'd'), levelNumber: 1, detailsUrl: 'javascript:alert(1)', memberName: 'A' });
    expect(mail.html).toContain('href="#"');
  });

  it('say why the email came when it replaces a failed IM message', () => {
    const mail = defaultEmailMessages.page({ incident: incident('t', 'd'), levelNumber: 1, detailsUrl: 'http://x', memberName: 'A', insteadOf: { method: 'im', reason: 'Bob (feishu direct message): target_gone <x>' } });
    expect(mail.text).toContain('because the im message failed (Bob (feishu direct message): target_gone <x>)');
    expect(mail.html).toContain('target_gone &lt;x&gt;');
  });

  it('the admin notice says warned or disabled, capping the error', () => {
    const input = { integrationName: 'Mail "prod"', integrationId: 3, consecutiveErrors: 3, lastError: 'e'.repeat(1000), disabled: false };
    expect(integrationTroubleText(input)).toMatch(/^Email integration "Mail "prod"" \(#3\) has 3 consecutive incoming errors\. Last error: e+…$/);
    expect(integrationTroubleText(input).length).toBeLessThan(450);
    expect(defaultEmailMessages.integrationTrouble({ ...input, disabled: true }).subject).toBe('[oncall] Email integration "Mail "prod"" disabled');
  });
});
