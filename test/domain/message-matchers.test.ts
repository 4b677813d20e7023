import {
  allConditionsHold,
  compileRegex,
  conditionHolds,
  extractWithRegex,
} from '../../src/domain/message-matchers.js';
import type { InboundMessage, MessageCondition } from '../../src/domain/integration-settings.js';

const message: InboundMessage = { title: 'Payment API 5xx', content: 'region: cn-east-1\nseverity: CRITICAL' };

describe('compileRegex', () => {
  it.each([
    ['plain pattern', 'API \\d+', '', 'API \\d+'],
    ['/pattern/ literal without flags', '/API/', '', 'API'],
    ['/pattern/i literal', '/payment/i', 'i', 'payment'],
    ['/pattern/ms literal', '/^a.b$/ms', 'ms', '^a.b$'],
    ['the g flag is dropped', '/x/gi', 'i', 'x'],
    ['slashes inside a literal', '/a\\/b/', '', 'a\\/b'],
    ['not a literal when the tail is not flags', '/usr/bin', '', '\\/usr\\/bin'],
  ])('%s: %j', (_name, source, flags, regexSource) => {
    const regex = compileRegex(source);
    expect(regex).toBeInstanceOf(RegExp);
    expect(regex.flags).toBe(flags);
    expect(regex.source).toBe(regexSource);
  });

  it('a literal with the g flag keeps test() stateless', () => {
    const regex = compileRegex('/5xx/g');
    expect(regex.test(message.title)).toBe(true);
    expect(regex.test(message.title)).toBe(true);
  });

  it.each(['(unclosed', '[a-', '*start', '/(bad/i', '/x/ii', 'a{2,1}'])('throws SyntaxError for %j', (source) => {
    expect(() => compileRegex(source)).toThrow(SyntaxError);
  });
});

describe('conditionHolds', () => {
  it.each<[string, MessageCondition, boolean]>([
    ['contains in title', { field: 'title', op: 'contains', value: '5xx' }, true],
    ['contains is case-sensitive', { field: 'title', op: 'contains', value: 'payment' }, false],
    ['title does not see content', { field: 'title', op: 'contains', value: 'cn-east-1' }, false],
    ['contains in content', { field: 'content', op: 'contains', value: 'cn-east-1' }, true],
    ['content does not see title', { field: 'content', op: 'contains', value: 'Payment' }, false],
    ['any sees title', { field: 'any', op: 'contains', value: 'Payment' }, true],
    ['any sees content', { field: 'any', op: 'contains', value: 'CRITICAL' }, true],
    ['any joins title and content with a newline', { field: 'any', op: 'contains', value: '5xx\nregion' }, true],
    ['any contains miss', { field: 'any', op: 'contains', value: 'WARNING' }, false],
    ['empty contains always holds', { field: 'title', op: 'contains', value: '' }, true],
    ['regex in title', { field: 'title', op: 'regex', value: '\\d+xx$' }, true],
    ['regex is case-sensitive by default', { field: 'title', op: 'regex', value: 'payment' }, false],
    ['/pattern/i literal', { field: 'title', op: 'regex', value: '/payment/i' }, true],
    ['regex in content', { field: 'content', op: 'regex', value: 'severity: (CRITICAL|WARNING)' }, true],
    ['regex anchors without m flag', { field: 'content', op: 'regex', value: '^severity' }, false],
    ['regex anchors with m flag', { field: 'content', op: 'regex', value: '/^severity/m' }, true],
    ['regex on any', { field: 'any', op: 'regex', value: '5xx\\nregion' }, true],
    ['regex miss', { field: 'content', op: 'regex', value: 'us-west-\\d' }, false],
    ['contains takes the value literally', { field: 'title', op: 'contains', value: '5x+' }, false],
  ])('%s', (_name, condition, expected) => {
    expect(conditionHolds(message, condition)).toBe(expected);
  });

  it('throws SyntaxError for an invalid regex condition', () => {
    expect(() => conditionHolds(message, { field: 'title', op: 'regex', value: '([' })).toThrow(SyntaxError);
  });

  it('does not compile the value of a contains condition', () => {
    expect(conditionHolds({ title: 'a ([ b', content: '' }, { field: 'title', op: 'contains', value: '([' })).toBe(true);
  });
});

describe('allConditionsHold', () => {
  const inTitle: MessageCondition = { field: 'title', op: 'contains', value: 'Payment' };
  const inContent: MessageCondition = { field: 'content', op: 'regex', value: 'cn-east-\\d' };
  const miss: MessageCondition = { field: 'any', op: 'contains', value: 'nowhere' };

  it.each<[string, MessageCondition[], boolean]>([
    ['no conditions match every message', [], true],
    ['one holding condition', [inTitle], true],
    ['all hold', [inTitle, inContent], true],
    ['one fails -> false', [inTitle, miss], false],
    ['order does not matter', [miss, inTitle, inContent], false],
    ['only failing', [miss], false],
  ])('%s', (_name, conditions, expected) => {
    expect(allConditionsHold(message, conditions)).toBe(expected);
  });
});

describe('extractWithRegex', () => {
  it.each<[string, string, string | undefined]>([
    ['host=(\\S+)', 'alert host=db-1 now', 'db-1'],
    ['(\\w+)-(\\d+)', 'web-42', 'web'],
    ['\\d+', 'value 93 percent', '93'],
    ['/HOST=(\\S+)/i', 'host=db-9', 'db-9'],
    ['(.*)', '  padded  ', 'padded'],
    ['missing=(\\d+)', 'nothing here', undefined],
    ['x(\\s*)y', 'x   y', undefined],
    ['a(b)?c', 'ac', undefined],
    ['^', 'anything', undefined],
  ])('%j on %j -> %j', (regex, text, expected) => {
    expect(extractWithRegex(text, regex)).toBe(expected);
  });

  it('throws SyntaxError for an invalid regex', () => {
    expect(() => extractWithRegex('text', '(')).toThrow(SyntaxError);
  });
});
