import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key a rate limit counts a client address under: an IPv4 address as it is (IPv4-mapped IPv6 too), an IPv6
 * address by its /64 (one subscriber usually holds a whole /64, so its single addresses are free to take), anything
 * else — a forwarded header that is not an address — under one shared key, never the text itself.
 */
export function clientAddressKey(address: string | undefined): string {
  const text = (address ?? '').trim();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(text);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(text)) return text;
  const bare = text.replace(/%[\w.-]+$/, '');
  if (isIPv6(bare)) return `${ipv6Groups(bare).slice(0, 4).join(':')}::/64`;
  return 'unparsed';
}

/** The eight 16-bit groups of a valid IPv6 address, in short hex (a trailing dotted IPv4 counts as two). */
function ipv6Groups(address: string): string[] {
  const split = (part: string) => (part ? part.split(':') : []);
  const [head, tail] = address.split('::');
  const width = (groups: string[]) => groups.reduce((sum, group) => sum + (group.includes('.') ? 2 : 1), 0);
  const left = split(head);
  const right = tail === undefined ? [] : split(tail);
  const zeros = tail === undefined ? [] : Array<string>(8 - width(left) - width(right)).fill('0');
  return [...left, ...zeros, ...right].map((group) => (group.includes('.') ? group : parseInt(group, 16).toString(16)));
}
