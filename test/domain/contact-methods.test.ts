import { DEFAULT_CONTACT_ORDER, fallbacksAfter } from '../../src/domain/contact-methods.js';

describe('contact method fallback rule', () => {
  it('after IM comes email by default', () => {
    expect(DEFAULT_CONTACT_ORDER).toEqual(['im', 'email']);
    expect(fallbacksAfter('im', null)).toEqual(['email']);
  });
  it("follows the member's own order", () => {
    expect(fallbacksAfter('im', ['im'])).toEqual([]);
    expect(fallbacksAfter('email', ['email', 'im'])).toEqual(['im']);
    expect(fallbacksAfter('im', ['email', 'im'])).toEqual([]);
  });
  it('a method not in the order has no fallback', () => {
    expect(fallbacksAfter('im', ['email'])).toEqual([]);
  });
});
