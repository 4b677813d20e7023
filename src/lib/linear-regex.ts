import { RE2JS, RE2JSException } from 're2js';

/**
 * Admin-supplied regexes run on RE2 (the re2js port), never on V8's backtracking engine: matching time grows
 * linearly with the text whatever the pattern, so no saved pattern can stall the event loop (`^(a+)+$` included).
 */
export interface LinearRegex {
  test(text: string): boolean;
  /** The whole match then each capture group (undefined where a group took no part), or null. */
  exec(text: string): Array<string | undefined> | null;
}

/** A pattern RE2 cannot run; the message says why, in words an admin can act on. */
export class UnsupportedRegexError extends SyntaxError {}

/** `/pattern/flags` is read as a literal only when the tail looks like JS flags, so `/usr/bin` stays a pattern. */
const LITERAL = /^\/(.*)\/([dgimsuvy]*)$/s;
const FLAG_BITS: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL };
/** g: one match is looked for anyway; u: RE2 always reads code points. */
const NO_OP_FLAGS = new Set(['g', 'u']);
export const SUPPORTED_FLAGS = 'i, m, s (g and u are accepted and change nothing)';

/**
 * RE2's time is linear in the text but also grows with the compiled program. Measured by bench/regex.bench.ts on a
 * 21 000-character description: test() stays under ~5 ms for any pattern under this cap; capture extraction (the
 * Alert Key, once per message) costs up to ~0.3 s for the most adversarial 200-instruction patterns, and well under
 * 1 ms for realistic ones. 200 fits every realistic alert pattern (an alternation of ten service names is ~75).
 */
export const MAX_PROGRAM_SIZE = 200;

/**
 * `\1`…`\9` or `\k<name>` after an even run of backslashes. Checked before translating: the translation would
 * quietly read `\k<x>` as the literal text "k<x>", as JavaScript does without named groups.
 */
const BACKREFERENCE = /(?:^|[^\\])(?:\\\\)*\\(?:[1-9]|k<)/;
const BACKREFERENCE_REASON = 'backreferences (\\1, \\k<name>) are not supported: patterns run on RE2, which matches in linear time';
const LOOKAROUND = /\(\?<?[=!]/;
const LOOKAROUND_REASON = 'lookarounds ((?=…), (?!…), (?<=…), (?<!…)) are not supported: patterns run on RE2, which matches in linear time';

function explain(error: RE2JSException, pattern: string): string {
  if (LOOKAROUND.test(pattern)) return LOOKAROUND_REASON;
  return error.message.replace(/^error parsing regexp: /, '');
}

function compileUncached(source: string): LinearRegex {
  const literal = LITERAL.exec(source);
  const pattern = literal ? literal[1] : source;
  let flags = 0;
  for (const flag of literal?.[2] ?? '') {
    if (NO_OP_FLAGS.has(flag)) continue;
    const bit = FLAG_BITS[flag];
    if (bit === undefined) throw new UnsupportedRegexError(`the flag "${flag}" is not supported; use ${SUPPORTED_FLAGS}`);
    if (flags & bit) throw new UnsupportedRegexError(`the flag "${flag}" is given twice`);
    flags |= bit;
  }
  if (BACKREFERENCE.test(pattern)) throw new UnsupportedRegexError(BACKREFERENCE_REASON);
  let compiled: RE2JS;
  try {
    // Translates the JavaScript-only escapes (\uXXXX, \u{…}, \cX) into RE2's spelling.
    compiled = RE2JS.compile(RE2JS.translateRegExp(pattern), flags);
  } catch (error) {
    if (error instanceof RE2JSException) throw new UnsupportedRegexError(explain(error, pattern));
    throw error;
  }
  if (compiled.programSize() > MAX_PROGRAM_SIZE) {
    throw new UnsupportedRegexError(`is too complex (${compiled.programSize()} RE2 instructions, at most ${MAX_PROGRAM_SIZE}); shorten repetitions such as {n}`);
  }
  return {
    test: (text) => compiled.test(text),
    exec: (text) => {
      // test() runs RE2's DFA, far cheaper than the capture-tracking pass, and most texts hold no match.
      if (!compiled.test(text)) return null;
      const match = compiled.exec(text);
      return match ? Array.from(match, (group: string | null | undefined) => group ?? undefined) : null;
    },
  };
}

/** Compiled patterns and refusals, least recently used dropped first: rules are read on every alert. */
const CACHE_LIMIT = 1000;
const cache = new Map<string, LinearRegex | UnsupportedRegexError>();

/** Accepts `pattern` or `/pattern/flags`. Throws UnsupportedRegexError when RE2 cannot run it. */
export function compileLinearRegex(source: string): LinearRegex {
  let entry = cache.get(source);
  if (entry !== undefined) {
    cache.delete(source);
  } else {
    try {
      entry = compileUncached(source);
    } catch (error) {
      if (!(error instanceof UnsupportedRegexError)) throw error;
      entry = error;
    }
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  }
  cache.set(source, entry);
  if (entry instanceof UnsupportedRegexError) throw entry;
  return entry;
}

export type UnusableRegexListener = (source: string, reason: string) => void;
let unusableListener: UnusableRegexListener = () => {};
const reported = new Set<string>();
const REPORTED_LIMIT = 1000;

/** Where saved patterns that cannot run are reported (once each): the service's log. */
export function reportUnusableRegexesTo(listener: UnusableRegexListener): void {
  unusableListener = listener;
}

/**
 * A pattern that was saved earlier (before RE2, or by hand): undefined when it cannot run, reported once, so one
 * bad rule is skipped instead of failing every alert that reaches it.
 */
export function savedRegex(source: string): LinearRegex | undefined {
  try {
    return compileLinearRegex(source);
  } catch (error) {
    if (!(error instanceof UnsupportedRegexError)) throw error;
    if (!reported.has(source)) {
      if (reported.size >= REPORTED_LIMIT) reported.clear();
      reported.add(source);
      unusableListener(source, error.message);
    }
    return undefined;
  }
}
