import { feishuSign, verifyFeishuSign } from '../../src/ingest/feishu-webhook/feishu-signature.js';
import { FEISHU_SIGN_WINDOW_SECONDS } from '../../src/ingest/feishu-webhook/feishu-protocol.js';
import { MAX_TIMESTAMP_AHEAD_MS } from '../../src/lib/request-clock.js';

const VECTORS = [
  { secret: 'mysecret', timestamp: '1700000000', sign: 'Jp33/xXhCipDEpjyHvEyc7mRSyXWHbNz6J8+C3qQKNo=' },
  { secret: 'demo', timestamp: '1599360473', sign: 'l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=' },
];

describe('feishuSign', () => {
  it.each(VECTORS)('secret $secret, timestamp $timestamp -> $sign', ({ secret, timestamp, sign }) => {
    expect(feishuSign(timestamp, secret)).toBe(sign);
  });

  it('depends on both the timestamp and the secret', () => {
    expect(feishuSign('1700000001', 'mysecret')).not.toBe(VECTORS[0].sign);
    expect(feishuSign('1700000000', 'mysecret2')).not.toBe(VECTORS[0].sign);
  });
});

describe('verifyFeishuSign', () => {
  it('the window is one hour back, 5 minutes ahead', () => {
    expect(FEISHU_SIGN_WINDOW_SECONDS).toBe(3600);
    expect(MAX_TIMESTAMP_AHEAD_MS).toBe(300_000);
  });

  describe.each(VECTORS)('vector secret=$secret ts=$timestamp', ({ secret, timestamp, sign }) => {
    const ts = Number(timestamp);

    it.each<[string, unknown, number, boolean]>([
      ['string timestamp, same second', timestamp, ts, true],
      ['numeric timestamp, same second', ts, ts, true],
      ['string timestamp with spaces', ` ${timestamp} `, ts, true],
      ['numeric timestamp with a fraction', ts + 0.9, ts, true],
      ['now 3600 s after', timestamp, ts + 3600, true],
      ['now 300 s before (timestamp 5 min ahead)', timestamp, ts - 300, true],
      ['now 301 s before', timestamp, ts - 301, false],
      ['now 600 s before', timestamp, ts - 600, false],
      ['now 3600 s before', timestamp, ts - 3600, false],
      ['now 3601 s after', timestamp, ts + 3601, false],
      ['now 3601 s before', timestamp, ts - 3601, false],
      ['numeric timestamp, now 3601 s after', ts, ts + 3601, false],
      ['numeric timestamp, now 60 s before', ts, ts - 60, true],
      ['numeric timestamp, now 600 s before', ts, ts - 600, false],
      ['now a day later', timestamp, ts + 86400, false],
    ])('%s -> %s', (_name, tsInput, now, expected) => {
      expect(verifyFeishuSign(secret, tsInput, sign, now)).toBe(expected);
    });

    it('rejects a wrong secret', () => {
      expect(verifyFeishuSign(`${secret}x`, timestamp, sign, ts)).toBe(false);
    });

    it('rejects the sign of another timestamp', () => {
      expect(verifyFeishuSign(secret, String(ts + 1), sign, ts)).toBe(false);
    });
  });

  it.each<[string, unknown, unknown]>([
    ['sign of the other vector', '1700000000', VECTORS[1].sign],
    ['one character changed', '1700000000', 'Jp33/xXhCipDEpjyHvEyc7mRSyXWHbNz6J8+C3qQKNO='],
    ['truncated sign', '1700000000', 'Jp33/xXhCipDEpjyHvEyc7mRSyXWHbNz6J8+C3qQKNo'],
    ['sign with trailing space', '1700000000', 'Jp33/xXhCipDEpjyHvEyc7mRSyXWHbNz6J8+C3qQKNo= '],
    ['empty sign', '1700000000', ''],
    ['missing sign', '1700000000', undefined],
    ['null sign', '1700000000', null],
    ['numeric sign', '1700000000', 123],
    ['empty timestamp', '', VECTORS[0].sign],
    ['missing timestamp', undefined, VECTORS[0].sign],
    ['null timestamp', null, VECTORS[0].sign],
    ['non-numeric timestamp', 'abc', VECTORS[0].sign],
    ['timestamp with a fraction in a string', '1700000000.0', VECTORS[0].sign],
    ['negative timestamp', '-1700000000', VECTORS[0].sign],
    ['millisecond timestamp', '1700000000000', VECTORS[0].sign],
    ['NaN timestamp', Number.NaN, VECTORS[0].sign],
    ['timestamp as object', { ts: 1700000000 }, VECTORS[0].sign],
  ])('rejects %s', (_name, timestamp, sign) => {
    expect(verifyFeishuSign('mysecret', timestamp, sign, 1700000000)).toBe(false);
  });

  it('uses the current time when nowSeconds is omitted', () => {
    const now = Math.floor(Date.now() / 1000);
    expect(verifyFeishuSign('s3cret', String(now), feishuSign(String(now), 's3cret'))).toBe(true);
    const old = now - 2 * 3600;
    expect(verifyFeishuSign('s3cret', String(old), feishuSign(String(old), 's3cret'))).toBe(false);
    // The published vectors are years old: outside the window today.
    expect(verifyFeishuSign('mysecret', '1700000000', VECTORS[0].sign)).toBe(false);
  });
});
