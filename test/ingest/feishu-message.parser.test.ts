import { parseFeishuMessage, parseLegacyFeishuMessage } from '../../src/ingest/feishu-webhook/feishu-message.parser.js';
import { FEISHU_CODES, FeishuRejection } from '../../src/ingest/feishu-webhook/feishu-protocol.js';
import type { MessageFormat } from '../../src/domain/integration-settings.js';

const FORMATS: MessageFormat[] = ['text', 'markdown'];

/** Runs `fn` and returns the FeishuRejection it throws (fails the test otherwise). */
function rejection(fn: () => unknown): FeishuRejection {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FeishuRejection);
    return error as FeishuRejection;
  }
  throw new Error('expected a FeishuRejection, nothing was thrown');
}

const text = (value: unknown) => ({ msg_type: 'text', content: { text: value } });
const post = (postContent: unknown) => ({ msg_type: 'post', content: { post: postContent } });
const paragraphs = (...rows: unknown[][]) => ({ zh_cn: { title: 'T', content: rows } });

describe('parseFeishuMessage: text', () => {
  it.each<[string, string]>([
    ['plain text', 'plain text'],
    ['[FIRING] CPU 93%\non db-1', '[FIRING] CPU 93%\non db-1'],
    ['<at user_id="ou_x">Tom</at> disk full', '@Tom disk full'],
    ['disk full <at user_id="all">所有人</at>', 'disk full @all'],
    ['<at user_id="all">everyone</at>', '@all'],
    ['<at user_id="ou_a">Ann</at> and <at user_id="ou_b">Bob</at>', '@Ann and @Bob'],
    ['<at user_id="ou_x"> Tom </at>', '@Tom'],
    ['<at user_id="ou_nameless"></at> look', '@ou_nameless look'],
    ["<at user_id='ou_q'>Quoted</at>", '@Quoted'],
    ['<at user_id=ou_u>Unquoted</at>', '@Unquoted'],
    ['<AT USER_ID="ou_c">Caps</AT>', '@Caps'],
    ['<at user_id="ou_x">张三</at> 请处理', '@张三 请处理'],
    ['', ''],
  ])('%j -> %j', (input, content) => {
    for (const format of FORMATS) {
      expect(parseFeishuMessage(text(input), format)).toEqual({ title: 'Feishu Alert', content });
    }
  });

  it.each<[string, unknown]>([
    ['content missing', { msg_type: 'text' }],
    ['content null', { msg_type: 'text', content: null }],
    ['content.text missing', { msg_type: 'text', content: {} }],
    ['content.text a number', text(42)],
    ['content as array', { msg_type: 'text', content: ['hi'] }],
    ['content as a string', { msg_type: 'text', content: 'hi' }],
  ])('rejects %s with 9499', (_name, body) => {
    const error = rejection(() => parseFeishuMessage(body, 'text'));
    expect(error.code).toBe(FEISHU_CODES.badRequest);
    expect(error.code).toBe(9499);
    expect(error.message).toBe('Bad Request: content.text must be a string');
  });
});

describe('parseFeishuMessage: post locales', () => {
  const block = (title: string, line: string) => ({ title, content: [[{ tag: 'text', text: line }]] });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['zh_cn', { zh_cn: block('数据库告警', '实例 db-1') }, '数据库告警', '实例 db-1'],
    ['en_us', { en_us: block('Kafka lag', 'lag 125000') }, 'Kafka lag', 'lag 125000'],
    ['ja_jp', { ja_jp: block('ディスク', '使用率 92%') }, 'ディスク', '使用率 92%'],
    ['an unknown locale', { fr_fr: block('Disque plein', 'web-1') }, 'Disque plein', 'web-1'],
    ['zh_cn over en_us and ja_jp, whatever the key order', { ja_jp: block('J', 'j'), en_us: block('E', 'e'), zh_cn: block('Z', 'z') }, 'Z', 'z'],
    ['en_us over ja_jp', { ja_jp: block('J', 'j'), en_us: block('E', 'e') }, 'E', 'e'],
    ['ja_jp over an unknown locale', { de_de: block('D', 'd'), ja_jp: block('J', 'j') }, 'J', 'j'],
    ['en_us over an unknown locale', { fr_fr: block('F', 'f'), en_us: block('E', 'e') }, 'E', 'e'],
    ['a non-object preferred locale is skipped', { zh_cn: 'oops', en_us: block('E', 'e') }, 'E', 'e'],
    ['a block without a locale wrapper', block('Bare', 'bare line'), 'Bare', 'bare line'],
  ])('%s', (_name, postContent, title, content) => {
    expect(parseFeishuMessage(post(postContent), 'text')).toEqual({ title, content });
  });

  it.each<[string, unknown]>([
    ['title missing', { zh_cn: { content: [[{ tag: 'text', text: 'x' }]] } }],
    ['title empty', { zh_cn: { title: '', content: [[{ tag: 'text', text: 'x' }]] } }],
    ['title blank', { zh_cn: { title: '   ', content: [[{ tag: 'text', text: 'x' }]] } }],
    ['title not a string', { zh_cn: { title: 7, content: [[{ tag: 'text', text: 'x' }]] } }],
  ])('%s -> "Feishu Alert"', (_name, postContent) => {
    expect(parseFeishuMessage(post(postContent), 'text')).toEqual({ title: 'Feishu Alert', content: 'x' });
  });

  it('trims the title', () => {
    expect(parseFeishuMessage(post({ en_us: block('  Padded  ', 'x') }), 'text').title).toBe('Padded');
  });

  it('joins paragraphs with newlines and trims the whole content', () => {
    const body = post(paragraphs([{ tag: 'text', text: '  first' }], [], [{ tag: 'text', text: 'third  ' }]));
    expect(parseFeishuMessage(body, 'text').content).toBe('first\n\nthird');
  });

  it('accepts a post without content as empty', () => {
    expect(parseFeishuMessage(post({ zh_cn: { title: 'Only title' } }), 'text')).toEqual({ title: 'Only title', content: '' });
  });

  it('ignores non-object tags and non-array paragraphs', () => {
    const body = post({ zh_cn: { title: 'T', content: [[{ tag: 'text', text: 'a' }, 'junk', null, 5], 'not a paragraph', [{ tag: 'text', text: 'b' }]] } });
    expect(parseFeishuMessage(body, 'text').content).toBe('a\n\nb');
  });

  it.each<[string, unknown, string]>([
    ['content missing', { msg_type: 'post' }, 'Bad Request: content.post must be an object'],
    ['content.post missing', { msg_type: 'post', content: {} }, 'Bad Request: content.post must be an object'],
    ['content.post an array', post([]), 'Bad Request: content.post must be an object'],
    ['content.post without any locale block', post({}), 'Bad Request: content.post needs at least one locale block, e.g. zh_cn or en_us'],
    ['locale blocks that are not objects', post({ zh_cn: 'x', en_us: ['y'] }), 'Bad Request: content.post needs at least one locale block, e.g. zh_cn or en_us'],
    ['paragraphs not an array', post({ zh_cn: { title: 'T', content: 'text' } }), 'Bad Request: post content must be an array of paragraphs'],
  ])('rejects %s with 9499', (_name, body, message) => {
    const error = rejection(() => parseFeishuMessage(body, 'text'));
    expect(error.code).toBe(9499);
    expect(error.message).toBe(message);
  });
});

describe('parseFeishuMessage: post tags', () => {
  const one = (tag: Record<string, unknown>, format: MessageFormat) =>
    parseFeishuMessage(post(paragraphs([{ tag: 'text', text: '<' }, tag, { tag: 'text', text: '>' }])), format).content;

  it.each<[string, Record<string, unknown>, string, string]>([
    ['text', { tag: 'text', text: 'hello' }, '<hello>', '<hello>'],
    ['text with un_escape', { tag: 'text', text: '&nbsp;x', un_escape: true }, '<&nbsp;x>', '<&nbsp;x>'],
    ['text without text', { tag: 'text' }, '<>', '<>'],
    ['md', { tag: 'md', text: '**bold**' }, '<**bold**>', '<**bold**>'],
    ['a with text and href', { tag: 'a', text: 'job', href: 'https://ci/1' }, '<job (https://ci/1)>', '<[job](https://ci/1)>'],
    ['a with href only', { tag: 'a', href: 'https://ci/1' }, '<https://ci/1>', '<[https://ci/1](https://ci/1)>'],
    ['a with text only', { tag: 'a', text: 'job' }, '<job>', '<job>'],
    ['at with user_name', { tag: 'at', user_id: 'ou_1', user_name: '张三' }, '<@张三>', '<@张三>'],
    ['at without user_name', { tag: 'at', user_id: 'ou_1' }, '<@ou_1>', '<@ou_1>'],
    ['at with empty user_name', { tag: 'at', user_id: 'ou_1', user_name: '' }, '<@ou_1>', '<@ou_1>'],
    ['at all', { tag: 'at', user_id: 'all', user_name: '所有人' }, '<@all>', '<@all>'],
    ['img', { tag: 'img', image_key: 'img_v2_x' }, '<[image]>', '<[image]>'],
    ['media', { tag: 'media', file_key: 'file_x' }, '<[media]>', '<[media]>'],
    ['emotion', { tag: 'emotion', emoji_type: 'SMILE' }, '<:SMILE:>', '<:SMILE:>'],
    ['emotion without emoji_type', { tag: 'emotion' }, '<>', '<>'],
    ['hr', { tag: 'hr' }, '<\n>', '<\n---\n>'],
    [
      'code_block',
      { tag: 'code_block', language: 'GO', text: 'fmt.Println(1)' },
      '<fmt.Println(1)>',
      '<\n```go\nfmt.Println(1)\n```\n>',
    ],
    ['code_block without language', { tag: 'code_block', text: 'x := 1' }, '<x := 1>', '<\n```\nx := 1\n```\n>'],
    ['unknown tag with text', { tag: 'sparkle', text: 'kept' }, '<kept>', '<kept>'],
    ['unknown tag without text', { tag: 'sparkle' }, '<>', '<>'],
  ])('%s', (_name, tag, asText, asMarkdown) => {
    expect(one(tag, 'text')).toBe(asText);
    expect(one(tag, 'markdown')).toBe(asMarkdown);
  });

  it('a rich post in both formats', () => {
    const body = post({
      zh_cn: {
        title: '发布失败 release-2024.05.01',
        content: [
          [
            { tag: 'text', text: '流水线: ' },
            { tag: 'a', text: 'deploy #1284', href: 'https://ci.example.com/job/deploy/1284' },
          ],
          [
            { tag: 'text', text: '负责人: ' },
            { tag: 'at', user_id: 'ou_18ea', user_name: '张三' },
            { tag: 'text', text: ' ' },
            { tag: 'at', user_id: 'all', user_name: '所有人' },
            { tag: 'emotion', emoji_type: 'FIRE' },
          ],
          [{ tag: 'hr' }],
          [{ tag: 'code_block', language: 'SHELL', text: 'kubectl rollout undo deploy/api' }],
          [{ tag: 'img', image_key: 'img_ecffc3b9' }],
        ],
      },
    });
    expect(parseFeishuMessage(body, 'text')).toEqual({
      title: '发布失败 release-2024.05.01',
      content:
        '流水线: deploy #1284 (https://ci.example.com/job/deploy/1284)\n负责人: @张三 @all:FIRE:\n\n\nkubectl rollout undo deploy/api\n[image]',
      // Kept apart as well, so the Details page shows it as a link.
      links: [{ text: 'deploy #1284', url: 'https://ci.example.com/job/deploy/1284' }],
    });
    expect(parseFeishuMessage(body, 'markdown')).toEqual({
      title: '发布失败 release-2024.05.01',
      content:
        '流水线: [deploy #1284](https://ci.example.com/job/deploy/1284)\n负责人: @张三 @all:FIRE:\n\n---\n\n\n```shell\nkubectl rollout undo deploy/api\n```\n\n[image]',
      links: [{ text: 'deploy #1284', url: 'https://ci.example.com/job/deploy/1284' }],
    });
  });
});

describe('parseFeishuMessage: interactive', () => {
  const cardV1 = {
    config: { wide_screen_mode: true },
    header: { title: { tag: 'plain_text', content: '[FIRING:1] HighCPU' }, template: 'red' },
    elements: [
      { tag: 'div', text: { tag: 'lark_md', content: '**Instance:** db-1' } },
      { tag: 'action', actions: [{ tag: 'button', text: { tag: 'plain_text', content: 'Ack' }, type: 'primary' }] },
    ],
  };

  it('reads a card from the top-level "card" field', () => {
    expect(parseFeishuMessage({ msg_type: 'interactive', card: cardV1 }, 'markdown')).toEqual({
      title: '[FIRING:1] HighCPU',
      content: '**Instance:** db-1',
    });
  });

  it('reads a card given as a JSON string', () => {
    expect(parseFeishuMessage({ msg_type: 'interactive', card: JSON.stringify(cardV1) }, 'text')).toEqual({
      title: '[FIRING:1] HighCPU',
      content: '**Instance:** db-1',
    });
  });

  it('reads content.card, as object or string', () => {
    const expected = { title: '[FIRING:1] HighCPU', content: '**Instance:** db-1' };
    expect(parseFeishuMessage({ msg_type: 'interactive', content: { card: cardV1 } }, 'text')).toEqual(expected);
    expect(parseFeishuMessage({ msg_type: 'interactive', content: { card: JSON.stringify(cardV1) } }, 'text')).toEqual(expected);
  });

  it('treats content itself as the card when it has no card field', () => {
    expect(parseFeishuMessage({ msg_type: 'interactive', content: cardV1 }, 'text').title).toBe('[FIRING:1] HighCPU');
  });

  it('prefers the top-level card over content', () => {
    const other = { header: { title: { tag: 'plain_text', content: 'Other' } }, elements: [] };
    expect(parseFeishuMessage({ msg_type: 'interactive', card: cardV1, content: { card: other } }, 'text').title).toBe('[FIRING:1] HighCPU');
  });

  it.each<[string, unknown]>([
    ['no header', { elements: [{ tag: 'markdown', content: 'x' }] }],
    ['blank header title', { header: { title: { tag: 'plain_text', content: '  ' } }, elements: [{ tag: 'markdown', content: 'x' }] }],
    ['a 2.0 card without header', { schema: '2.0', body: { elements: [{ tag: 'markdown', content: 'x' }] } }],
  ])('a card with %s is titled "Feishu Alert"', (_name, card) => {
    expect(parseFeishuMessage({ msg_type: 'interactive', card }, 'text')).toEqual({ title: 'Feishu Alert', content: 'x' });
  });

  it('a template card becomes its variables, titled "Feishu Alert"', () => {
    const card = { type: 'template', data: { template_id: 'ctp_1', template_variable: { alert: 'HighLatency', p99: '1.2s' } } };
    expect(parseFeishuMessage({ msg_type: 'interactive', card }, 'text')).toEqual({
      title: 'Feishu Alert',
      content: JSON.stringify({ alert: 'HighLatency', p99: '1.2s' }, null, 2),
    });
  });

  it.each<[string, unknown, string]>([
    ['card a broken JSON string', { msg_type: 'interactive', card: '{"header": ' }, 'Bad Request: card is a string but not valid JSON'],
    ['content.card a broken JSON string', { msg_type: 'interactive', content: { card: 'not json' } }, 'Bad Request: card is a string but not valid JSON'],
    ['no card at all', { msg_type: 'interactive' }, 'Bad Request: interactive messages need a card object'],
    ['card a JSON string of an array', { msg_type: 'interactive', card: '[1,2]' }, 'Bad Request: interactive messages need a card object'],
    ['card a JSON string of null', { msg_type: 'interactive', card: 'null' }, 'Bad Request: interactive messages need a card object'],
    ['card a number', { msg_type: 'interactive', card: 3 }, 'Bad Request: interactive messages need a card object'],
  ])('rejects %s with 9499', (_name, body, message) => {
    const error = rejection(() => parseFeishuMessage(body, 'text'));
    expect(error.code).toBe(9499);
    expect(error.message).toBe(message);
  });
});

describe('parseFeishuMessage: rejections', () => {
  it.each([
    ['image', { msg_type: 'image', content: { image_key: 'img_ecffc3b9' } }],
    ['share_chat', { msg_type: 'share_chat', content: { share_chat_id: 'oc_f5b1a7eb27ae2c7b6adc2a74faf339ff' } }],
    ['file', { msg_type: 'file', content: { file_key: 'file_x' } }],
  ])('msg_type %s -> 19002 with a clear message', (msgType, body) => {
    const error = rejection(() => parseFeishuMessage(body, 'text'));
    expect(error.code).toBe(FEISHU_CODES.msgTypeInvalid);
    expect(error.code).toBe(19002);
    expect(error.message).toBe(`param invalid: msg_type "${msgType}" cannot carry an alert; send text, post or interactive`);
    expect(error.toAnswer()).toEqual({ code: 19002, msg: error.message, data: {} });
  });

  it('cuts a very long msg_type in the message', () => {
    const error = rejection(() => parseFeishuMessage({ msg_type: 'x'.repeat(500) }, 'text'));
    expect(error.code).toBe(19002);
    expect(error.message).toContain(`"${'x'.repeat(40)}"`);
    expect(error.message).not.toContain('x'.repeat(41));
  });

  it('msg_type is case-sensitive', () => {
    expect(rejection(() => parseFeishuMessage({ msg_type: 'TEXT', content: { text: 'x' } }, 'text')).code).toBe(19002);
  });

  it.each<[string, unknown, string]>([
    ['null body', null, 'Bad Request: the body must be a JSON object'],
    ['array body', [{ msg_type: 'text' }], 'Bad Request: the body must be a JSON object'],
    ['string body', '{"msg_type":"text"}', 'Bad Request: the body must be a JSON object'],
    ['number body', 42, 'Bad Request: the body must be a JSON object'],
    ['undefined body', undefined, 'Bad Request: the body must be a JSON object'],
    ['msg_type not a string', { msg_type: 1, content: { text: 'x' } }, 'Bad Request: msg_type must be a string'],
  ])('%s -> 9499', (_name, body, message) => {
    const error = rejection(() => parseFeishuMessage(body, 'text'));
    expect(error.code).toBe(9499);
    expect(error.message).toBe(message);
    expect(error.toAnswer()).toEqual({ code: 9499, msg: message, data: {} });
  });
});

describe('parseFeishuMessage: msg_type missing', () => {
  it.each<[string, unknown]>([
    ['absent', { content: { text: 'x' } }],
    ['null', { msg_type: null, content: { text: 'x' } }],
    ['empty', { msg_type: '', content: { text: 'x' } }],
  ])('msg_type %s -> 19002 "params error, msg_type need", as Feishu answers', (_name, body) => {
    const error = rejection(() => parseFeishuMessage(body, 'text'));
    expect(error.toAnswer()).toEqual({ code: 19002, msg: 'params error, msg_type need', data: {} });
  });
});

describe('parseLegacyFeishuMessage (v1 {title, text})', () => {
  it.each<[string, unknown, { title: string; content: string }]>([
    ['title and text', { title: 'Backup failed', text: 'pg-main' }, { title: 'Backup failed', content: 'pg-main' }],
    ['mentions in text', { title: 'B', text: 'see <at user_id="all">所有人</at> <at user_id="ou_1">Li</at>' }, { title: 'B', content: 'see @all @Li' }],
    ['no title', { text: 'x' }, { title: 'Feishu Alert', content: 'x' }],
    ['blank title', { title: '  ', text: 'x' }, { title: 'Feishu Alert', content: 'x' }],
    ['title trimmed', { title: ' T ', text: 'x' }, { title: 'T', content: 'x' }],
    ['msg_type ignored', { msg_type: 'image', title: 'T', text: 'x' }, { title: 'T', content: 'x' }],
  ])('%s', (_name, body, expected) => {
    expect(parseLegacyFeishuMessage(body)).toEqual(expected);
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'Bad Request: the body must be a JSON object'],
    ['array', [], 'Bad Request: the body must be a JSON object'],
    ['text missing', { title: 'T' }, 'Bad Request: text must be a string'],
    ['text not a string', { title: 'T', text: { a: 1 } }, 'Bad Request: text must be a string'],
  ])('rejects %s with 9499', (_name, body, message) => {
    const error = rejection(() => parseLegacyFeishuMessage(body));
    expect(error.code).toBe(9499);
    expect(error.message).toBe(message);
  });
});
