import {
  allConditionsHold,
  conditionHolds,
  extractWithRegex,
} from '../../src/domain/message-matchers.js';
import type { InboundMessage, MessageCondition } from '../../src/domain/integration-settings.js';

const message: InboundMessage = { title: 'Payment API 5xx', content: 'region: cn-east-1\nseverity: CRITICAL' };

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

  it.each(['([', '(x)\\1', 'Payment(?= API)'])('a saved regex condition RE2 cannot run (%j) holds for no message', (value) => {
    expect(conditionHolds(message, { field: 'title', op: 'regex', value })).toBe(false);
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

  it.each(['(', '(t)\\1'])('extracts nothing with a saved regex RE2 cannot run (%j)', (regex) => {
    expect(extractWithRegex('attic', regex)).toBeUndefined();
  });
});
