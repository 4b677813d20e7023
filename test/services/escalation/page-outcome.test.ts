/**
 * Which failed sends of a page are sent again and which settle it: a target gone for good, a permission the app
 * lacks or a request the platform refuses will fail again; anything else (down, throttled, credentials refused, an
 * unexpected error) may go out later.
 */
import { PlatformError, type PlatformErrorKind } from '../../../src/services/ports/platform-error.js';
import { pageOutcome } from '../../../src/services/escalation/page-outcome.js';

const failure = (target: string, error: unknown) => ({ target, label: `${target} label`, error });
const feishu = (kind: PlatformErrorKind, code?: number) => new PlatformError('feishu', kind, code, `Feishu API error ${code}`);

describe('pageOutcome', () => {
  it('sends again what was down, throttled, refused for credentials or failed unexpectedly', () => {
    const outcome = pageOutcome(
      [failure('a', feishu('transient')), failure('b', feishu('rate_limited', 99991400)), failure('c', feishu('auth', 99991663)), failure('d', new Error('socket hang up'))],
      { level: 1, round: 1 },
    );
    expect(outcome).toEqual({ retry: ['a', 'b', 'c', 'd'] });
  });

  it('settles what will never go out, naming whom and why', () => {
    const outcome = pageOutcome(
      [failure('gone', feishu('target_gone', 230002)), failure('later', feishu('transient')), failure('denied', feishu('permission_denied')), failure('bad', feishu('bad_request', 230013))],
      { level: 2, round: 1 },
    );
    expect(outcome).toEqual({
      retry: ['later'],
      notReached: { level: 2, round: 1, notReached: 'gone label: target_gone 230002; denied label: permission_denied; bad label: bad_request 230013' },
    });
  });

  it('caps the list at 1000 characters', () => {
    const many = Array.from({ length: 100 }, (_, index) => failure(`${'x'.repeat(20)}${index}`, feishu('target_gone', 230002)));
    const text = pageOutcome(many, { level: 1, round: 1 }).notReached!.notReached as string;
    expect(text).toHaveLength(1000);
    expect(text.endsWith('…')).toBe(true);
  });

  it('nothing failed: nothing to send again, nothing to record', () => {
    expect(pageOutcome([], { level: 1, round: 1 })).toEqual({ retry: [] });
  });
});
