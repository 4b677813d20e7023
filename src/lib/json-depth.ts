/**
 * Whether parsed JSON nests objects and arrays more than `maxDepth` levels deep (the top value is level 1).
 * Iterative: V8 parses any depth, but every recursive walk afterwards (JSON.stringify included) overflows the stack
 * on a few thousand levels, which fit in a small body.
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const pending: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 1 }];
  while (pending.length > 0) {
    const { node, depth } = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > maxDepth) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) pending.push({ node: child, depth: depth + 1 });
    }
  }
  return false;
}
