import { ALERT_KEY_SCAN_CHARS, decidePush, extractAlertKey, type PushSettings } from '../../src/domain/push-modes.js';
import type { InboundMessage, PushRule } from '../../src/domain/integration-settings.js';

const msg = (title: string, content = ''): InboundMessage => ({ title, content });

/** A key generator that hands out k1, k2, ... and counts its calls. */
function counter(): { next: () => string; calls: () => number } {
  let n = 0;
  return { next: () => `k${++n}`, calls: () => n };
}

const noKey = (): string => {
  throw new Error('newAlertKey must not be called in this mode');
};

const byRules = (pushRules: PushRule[] | null, discardUnmatched = false): PushSettings => ({
  pushMode: 'by_rules',
  pushRules,
  discardUnmatched,
});

describe('decidePush: always_new', () => {
  const settings: PushSettings = { pushMode: 'always_new', pushRules: null, discardUnmatched: false };

  it('asks for a fresh key for every message and never dedupes', () => {
    const keys = counter();
    const first = decidePush(settings, msg('CPU high', 'db-1'), keys.next);
    const second = decidePush(settings, msg('CPU high', 'db-1'), keys.next);
    expect(first).toEqual({ action: 'trigger', alertKey: 'k1', dedupeKey: null });
    expect(second).toEqual({ action: 'trigger', alertKey: 'k2', dedupeKey: null });
    expect(keys.calls()).toBe(2);
  });

  it('ignores push rules and discardUnmatched', () => {
    const keys = counter();
    const withRules: PushSettings = {
      pushMode: 'always_new',
      pushRules: [{ action: 'close', conditions: [], keyField: 'title' }],
      discardUnmatched: true,
    };
    expect(decidePush(withRules, msg('RESOLVED x'), keys.next)).toEqual({ action: 'trigger', alertKey: 'k1', dedupeKey: null });
  });
});

describe('decidePush: by_title', () => {
  const settings: PushSettings = { pushMode: 'by_title', pushRules: null, discardUnmatched: false };

  it.each([
    ['CPU high', 'anything', 'title:CPU high'],
    ['CPU high', 'different content', 'title:CPU high'],
    ['Disk full', 'RESOLVED', 'title:Disk full'],
    ['Feishu Alert', '', 'title:Feishu Alert'],
  ])('title %j (content %j) dedupes on %j', (title, content, dedupeKey) => {
    expect(decidePush(settings, msg(title, content), noKey)).toEqual({ action: 'trigger', alertKey: title, dedupeKey });
  });

  it('gives the same dedupe key to messages with the same title and different ones otherwise', () => {
    const a = decidePush(settings, msg('A', '1'), noKey);
    const a2 = decidePush(settings, msg('A', '2'), noKey);
    const b = decidePush(settings, msg('B', '1'), noKey);
    expect(a.action === 'trigger' && a2.action === 'trigger' && a.dedupeKey === a2.dedupeKey).toBe(true);
    expect(a.action === 'trigger' && b.action === 'trigger' && a.dedupeKey !== b.dedupeKey).toBe(true);
  });
});

describe('decidePush: by_rules', () => {
  /** The seed example: close when content contains RESOLVED, else trigger; key = whole title. */
  const seedRules: PushRule[] = [
    { action: 'close', conditions: [{ field: 'content', op: 'contains', value: 'RESOLVED' }], keyField: 'title', keyRegex: '(.*)' },
    { action: 'trigger', conditions: [], keyField: 'title', keyRegex: '(.*)' },
  ];

  it.each([
    [msg('HighCPU db-1', '[FIRING] cpu 95%'), { action: 'trigger', alertKey: 'HighCPU db-1', dedupeKey: 'key:HighCPU db-1' }],
    [msg('HighCPU db-1', '[RESOLVED] cpu 40%'), { action: 'close', alertKey: 'HighCPU db-1', dedupeKey: 'key:HighCPU db-1' }],
    // contains is case-sensitive
    [msg('HighCPU db-1', 'resolved'), { action: 'trigger', alertKey: 'HighCPU db-1', dedupeKey: 'key:HighCPU db-1' }],
    // only the content is checked by the close rule
    [msg('RESOLVED HighCPU', 'cpu 95%'), { action: 'trigger', alertKey: 'RESOLVED HighCPU', dedupeKey: 'key:RESOLVED HighCPU' }],
    // (.*) stops at the first newline; the key is trimmed
    [msg('  Disk full  ', 'RESOLVED'), { action: 'close', alertKey: 'Disk full', dedupeKey: 'key:Disk full' }],
  ])('seed example: %j -> %j', (message, decision) => {
    expect(decidePush(byRules(seedRules), message, noKey)).toEqual(decision);
  });

  it('seed example: the trigger and its resolution share a dedupe key', () => {
    const fire = decidePush(byRules(seedRules), msg('HighCPU db-1', 'FIRING'), noKey);
    const resolve = decidePush(byRules(seedRules), msg('HighCPU db-1', 'RESOLVED'), noKey);
    expect(fire.action).toBe('trigger');
    expect(resolve.action).toBe('close');
    expect((fire as { dedupeKey: string }).dedupeKey).toBe((resolve as { dedupeKey: string }).dedupeKey);
  });

  it('first matching rule wins, in order', () => {
    const rules: PushRule[] = [
      { action: 'trigger', conditions: [{ field: 'title', op: 'contains', value: 'db' }], keyField: 'title', keyRegex: 'host=(\\S+)' },
      { action: 'close', conditions: [{ field: 'title', op: 'contains', value: 'db' }], keyField: 'title' },
    ];
    expect(decidePush(byRules(rules), msg('db alert host=db-7'), noKey)).toEqual({
      action: 'trigger',
      alertKey: 'db-7',
      dedupeKey: 'key:db-7',
    });
    // Reversed order: the close rule now comes first.
    expect(decidePush(byRules([rules[1], rules[0]]), msg('db alert host=db-7'), noKey)).toEqual({
      action: 'close',
      alertKey: 'db alert host=db-7',
      dedupeKey: 'key:db alert host=db-7',
    });
  });

  it('skips rules whose conditions do not all hold', () => {
    const rules: PushRule[] = [
      {
        action: 'close',
        conditions: [
          { field: 'title', op: 'contains', value: 'payment' },
          { field: 'content', op: 'contains', value: 'OK' },
        ],
        keyField: 'title',
      },
      { action: 'trigger', conditions: [{ field: 'any', op: 'regex', value: '/payment/i' }], keyField: 'content', keyRegex: 'id=(\\d+)' },
    ];
    expect(decidePush(byRules(rules), msg('payment errors', 'id=42 FAIL'), noKey)).toEqual({
      action: 'trigger',
      alertKey: '42',
      dedupeKey: 'key:42',
    });
    expect(decidePush(byRules(rules), msg('payment errors', 'id=42 OK'), noKey)).toEqual({
      action: 'close',
      alertKey: 'payment errors',
      dedupeKey: 'key:payment errors',
    });
  });

  describe('no rule matches', () => {
    const rules: PushRule[] = [{ action: 'trigger', conditions: [{ field: 'title', op: 'contains', value: 'prod' }], keyField: 'title' }];

    it('discards when discardUnmatched is true', () => {
      expect(decidePush(byRules(rules, true), msg('staging alert'), noKey)).toEqual({
        action: 'discard',
        reason: 'no push rule matched the message',
      });
    });

    it('triggers keyed by title when discardUnmatched is false', () => {
      expect(decidePush(byRules(rules, false), msg('staging alert'), noKey)).toEqual({
        action: 'trigger',
        alertKey: 'staging alert',
        dedupeKey: 'key:staging alert',
      });
    });

    it.each([
      [null, true, 'discard'],
      [[], true, 'discard'],
      [null, false, 'trigger'],
      [[], false, 'trigger'],
    ] as const)('rules %j with discardUnmatched=%j -> %s', (pushRules, discard, action) => {
      expect(decidePush(byRules(pushRules as PushRule[] | null, discard), msg('t'), noKey).action).toBe(action);
    });
  });
});

describe('extractAlertKey', () => {
  const rule = (keyField: PushRule['keyField'], keyRegex?: string): PushRule => ({ action: 'trigger', conditions: [], keyField, keyRegex });
  const message = msg('[FIRING:1] HighCPU instance=db-1', 'alertname=HighCPU\nfingerprint=abc123   \n');

  it.each([
    ['no regex -> title', rule('content'), '[FIRING:1] HighCPU instance=db-1'],
    ['empty regex -> title', rule('title', ''), '[FIRING:1] HighCPU instance=db-1'],
    ['first capture group from title', rule('title', 'instance=(\\S+)'), 'db-1'],
    ['only the first of several groups', rule('title', '(\\w+) instance=(\\S+)'), 'HighCPU'],
    ['whole match when there is no group', rule('title', 'db-\\d+'), 'db-1'],
    ['non-capturing group counts as no group', rule('title', '(?:High)CPU'), 'HighCPU'],
    ['first capture group from content', rule('content', 'fingerprint=(\\w+)'), 'abc123'],
    ['keyField title does not look at content', rule('title', 'fingerprint=(\\w+)'), '[FIRING:1] HighCPU instance=db-1'],
    ['/pattern/flags literal', rule('content', '/ALERTNAME=(\\w+)/i'), 'HighCPU'],
    ['regex fails -> title', rule('content', 'nomatch=(\\d+)'), '[FIRING:1] HighCPU instance=db-1'],
    ['extracted blank -> title', rule('content', 'alertname=HighCPU(\\s*)'), '[FIRING:1] HighCPU instance=db-1'],
    ['empty group -> title', rule('title', 'HighCPU()'), '[FIRING:1] HighCPU instance=db-1'],
    ['group that did not take part -> title', rule('title', 'HighCPU(xyz)?'), '[FIRING:1] HighCPU instance=db-1'],
    ['extracted key is trimmed', rule('content', 'fingerprint=(.*)'), 'abc123'],
  ])('%s', (_name, r, expected) => {
    expect(extractAlertKey(r, message)).toBe(expected);
  });

  it('looks for the key in the first ALERT_KEY_SCAN_CHARS characters of the content only', () => {
    const padding = 'x'.repeat(ALERT_KEY_SCAN_CHARS - 'fingerprint=near'.length);
    const withinReach = msg('t', `${padding}fingerprint=near`);
    expect(extractAlertKey(rule('content', 'fingerprint=(\\w+)'), withinReach)).toBe('near');
    const beyondReach = msg('t', `${'x'.repeat(ALERT_KEY_SCAN_CHARS)}fingerprint=far`);
    expect(extractAlertKey(rule('content', 'fingerprint=(\\w+)'), beyondReach)).toBe('t');
  });

  it.each(['(unclosed', '(High)\\1'])('falls back to the title when a saved key regex cannot run on RE2 (%j)', (regex) => {
    expect(extractAlertKey(rule('title', regex), message)).toBe(message.title);
  });
});
