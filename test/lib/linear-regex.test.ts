import { MAX_PROGRAM_SIZE, UnsupportedRegexError, compileLinearRegex, reportUnusableRegexesTo, savedRegex } from '../../src/lib/linear-regex.js';

describe('compileLinearRegex', () => {
  it.each<[string, string, string, boolean]>([
    ['plain pattern', 'API \\d+', 'Payment API 500', true],
    ['/pattern/ literal without flags', '/API/', 'an API', true],
    ['/pattern/i literal', '/payment/i', 'Payment', true],
    ['case-sensitive without i', 'payment', 'Payment', false],
    ['m lets ^ match after a newline', '/^b$/m', 'a\nb\nc', true],
    ['^ without m anchors at the start only', '^b$', 'a\nb\nc', false],
    ['s lets . match a newline', '/a.b/s', 'a\nb', true],
    ['. without s stops at a newline', 'a.b', 'a\nb', false],
    ['the g flag changes nothing (test stays stateless)', '/5xx/g', '5xx', true],
    ['slashes inside a literal', '/a\\/b/', 'a/b', true],
    ['not a literal when the tail is not flags', '/usr/bin', 'cd /usr/bin', true],
    ['JavaScript \\uXXXX escapes', '\\u00e9t\\u00e9', 'été', true],
    ['named groups', '(?<host>db-\\d+)', 'on db-7', true],
  ])('%s: %j on %j', (_name, source, text, expected) => {
    expect(compileLinearRegex(source).test(text)).toBe(expected);
  });

  it('exec gives the whole match and the groups, undefined for a group that took no part', () => {
    expect(compileLinearRegex('host=(\\S+)( now)?').exec('alert host=db-1 later')).toEqual(['host=db-1', 'db-1', undefined]);
    expect(compileLinearRegex('missing').exec('text')).toBeNull();
  });

  it.each<[string, RegExp]>([
    ['(a)\\1', /backreferences/],
    ['(?<x>a)\\k<x>', /backreferences/],
    ['a(?=b)', /lookarounds/],
    ['a(?!b)', /lookarounds/],
    ['(?<=a)b', /lookarounds/],
    ['(?<!a)b', /lookarounds/],
    ['/x/y', /flag "y" is not supported; use i, m, s/],
    ['/x/v', /flag "v" is not supported/],
    ['/x/d', /flag "d" is not supported/],
    ['/x/ii', /flag "i" is given twice/],
    ['(unclosed', /missing closing \)/],
    ['[a-', /missing closing \]/],
    ['*start', /missing argument to repetition operator/],
    ['/(bad/i', /missing closing \)/],
    ['a{2,1}', /invalid repeat count/],
    ['(\\w+\\s*){100}', new RegExp(`too complex \\(\\d+ RE2 instructions, at most ${MAX_PROGRAM_SIZE}\\)`)],
  ])('refuses %j, saying why', (source, reason) => {
    expect(() => compileLinearRegex(source)).toThrow(UnsupportedRegexError);
    expect(() => compileLinearRegex(source)).toThrow(reason);
  });

  it('runs ^(a+)+$ on RE2: the catastrophic-backtracking pattern answers false on a 20 000-character text', () => {
    // V8 would need 2^20000 steps here; the test finishing at all is the proof.
    expect(compileLinearRegex('^(a+)+$').test(`${'a'.repeat(20_000)}!`)).toBe(false);
    expect(compileLinearRegex('^(a+)+$').exec(`${'a'.repeat(20_000)}!`)).toBeNull();
  });

  it('compiles a pattern once: the second call returns the cached regex', () => {
    const source = `cached-${Date.now()}`;
    expect(compileLinearRegex(source)).toBe(compileLinearRegex(source));
  });
});

describe('savedRegex', () => {
  afterEach(() => reportUnusableRegexesTo(() => {}));

  it('answers undefined for a pattern RE2 cannot run and reports it once, however often it is used', () => {
    const reports: Array<[string, string]> = [];
    reportUnusableRegexesTo((source, reason) => reports.push([source, reason]));
    const source = `(x${Date.now()})\\1`;
    expect(savedRegex(source)).toBeUndefined();
    expect(savedRegex(source)).toBeUndefined();
    expect(reports).toEqual([[source, expect.stringMatching(/backreferences/)]]);
  });

  it('answers the compiled regex for a usable pattern, reporting nothing', () => {
    const reports: string[] = [];
    reportUnusableRegexesTo((source) => reports.push(source));
    expect(savedRegex('db-\\d+')?.test('db-1')).toBe(true);
    expect(reports).toEqual([]);
  });
});
