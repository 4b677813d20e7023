import { decodeButtonValue, encodeButtonValue } from '../../../src/services/chat/button-value.js';

describe('button-value codec (every platform)', () => {
  it('round-trips what a card carries, with and without the Escalate step', () => {
    expect(decodeButtonValue(encodeButtonValue({ action: 'acknowledge', incidentId: 7 }))).toEqual({ action: 'acknowledge', incidentId: 7 });
    expect(decodeButtonValue(encodeButtonValue({ action: 'escalate', incidentId: 7, step: 2 }))).toEqual({ action: 'escalate', incidentId: 7, step: 2 });
    expect(JSON.parse(encodeButtonValue({ action: 'close', incidentId: 3 }))).toEqual({ action: 'close', incidentId: 3 });
  });

  it('reads the object form template-filled cards send, numbers as strings', () => {
    expect(decodeButtonValue({ action: 'escalate', incidentId: '12', step: '0' })).toEqual({ action: 'escalate', incidentId: 12, step: 0 });
  });

  it.each([
    ['an unknown action', { action: 'delete', incidentId: 1 }],
    ['an action matched only by prefix', { action: 'acknowledge_all', incidentId: 1 }],
    ['no incident', { action: 'close' }],
    ['a negative incident id', { action: 'close', incidentId: -4 }],
    ['a fractional incident id', { action: 'close', incidentId: 1.5 }],
    ['a malformed step', { action: 'escalate', incidentId: 1, step: 'two' }],
    ['a negative step', { action: 'escalate', incidentId: 1, step: -1 }],
    ['text that is not JSON', '{"action":'],
    ['nothing', undefined],
    ['a JSON array', '[1,2]'],
  ])('refuses %s', (_label, raw) => {
    expect(decodeButtonValue(raw)).toBeNull();
  });
});
