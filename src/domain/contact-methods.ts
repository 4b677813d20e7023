/**
 * How a member is reached, in order: a page goes out by the first method; when it fails for good (after its retries),
 * the next one is tried. New providers (sms, voice) are new names here plus a provider; the rule stays the same.
 */
export const CONTACT_METHODS = ['im', 'email'] as const;
export type ContactMethod = (typeof CONTACT_METHODS)[number];

/** Used for members without an order of their own. */
export const DEFAULT_CONTACT_ORDER: readonly ContactMethod[] = ['im', 'email'];

/** The methods to try after `failed` for a member with this order (none when `failed` is last or not in it). */
export function fallbacksAfter(failed: ContactMethod, order: readonly ContactMethod[] | null): ContactMethod[] {
  const effective = order ?? DEFAULT_CONTACT_ORDER;
  const index = effective.indexOf(failed);
  return index < 0 ? [] : effective.slice(index + 1);
}
