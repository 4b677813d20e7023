import { flattenCard } from '../../src/ingest/feishu-webhook/feishu-card.flattener.js';

const plain = (content: string) => ({ tag: 'plain_text', content });
const larkMd = (content: string) => ({ tag: 'lark_md', content });
const button = (label: string) => ({ tag: 'button', text: plain(label), type: 'primary', value: { action: 'ack' } });

describe('flattenCard: Card JSON 1.0', () => {
  it('reads header.title and the text of div, fields and note, ignoring action buttons', () => {
    const card = {
      config: { wide_screen_mode: true },
      header: { title: plain('[FIRING:1] HighCPUUsage (db-1 critical)'), template: 'red' },
      elements: [
        { tag: 'div', text: larkMd('**Alert:** HighCPUUsage\n**Value:** 93.2%') },
        {
          tag: 'div',
          fields: [
            { is_short: true, text: larkMd('**Severity:**\ncritical') },
            { is_short: true, text: larkMd('**Started:**\n2024-05-01 10:00:00') },
          ],
        },
        { tag: 'hr' },
        { tag: 'action', actions: [button('View in Grafana'), button('Silence'), { tag: 'overflow', options: [{ text: plain('More') }] }] },
        { tag: 'note', elements: [plain('Grafana v10.4.1'), { tag: 'img', img_key: 'img_x', alt: plain('logo') }] },
      ],
    };
    expect(flattenCard(card)).toEqual({
      title: '[FIRING:1] HighCPUUsage (db-1 critical)',
      content: '**Alert:** HighCPUUsage\n**Value:** 93.2%\n**Severity:**\ncritical\n**Started:**\n2024-05-01 10:00:00\n---\nGrafana v10.4.1',
    });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['div with plain_text', { tag: 'div', text: plain('plain') }, 'plain'],
    ['div text and fields, text first', { tag: 'div', text: larkMd('head'), fields: [{ text: larkMd('f1') }] }, 'head\nf1'],
    ['div text as a bare string', { tag: 'div', text: 'bare' }, 'bare'],
    ['markdown element (1.0)', { tag: 'markdown', content: '**md**' }, '**md**'],
    ['hr alone', { tag: 'hr' }, '---'],
    ['image ignored', { tag: 'img', img_key: 'img_x', alt: plain('alt text') }, ''],
    ['button alone ignored', button('Ack'), ''],
    ['select_static ignored', { tag: 'select_static', placeholder: plain('pick'), options: [] }, ''],
    ['date_picker ignored', { tag: 'date_picker', placeholder: plain('date') }, ''],
    ['div with extra button ignores the button', { tag: 'div', text: larkMd('keep'), extra: button('Go') }, 'keep'],
    ['i18n text in a div picks zh_cn', { tag: 'div', text: { tag: 'plain_text', i18n: { en_us: 'EN', zh_cn: '中文' } } }, '中文'],
    ['empty text is dropped', { tag: 'div', text: larkMd('') }, ''],
  ])('%s', (_name, element, content) => {
    expect(flattenCard({ elements: [element] }).content).toBe(content);
  });

  it('has no title without a header', () => {
    const flat = flattenCard({ elements: [{ tag: 'markdown', content: 'x' }] });
    expect(flat.title).toBeUndefined();
    expect(flat.content).toBe('x');
  });

  it.each<[string, unknown, string | undefined]>([
    ['plain_text title', plain('T'), 'T'],
    ['title trimmed', plain('  T  '), 'T'],
    ['blank title -> undefined', plain('   '), undefined],
    ['title as string', 'S', 'S'],
    ['i18n title prefers zh_cn', { tag: 'plain_text', i18n: { en_us: 'Disk full', zh_cn: '磁盘已满' } }, '磁盘已满'],
    ['i18n title then en_us', { tag: 'plain_text', i18n: { ja_jp: 'ディスク', en_us: 'Disk full' } }, 'Disk full'],
    ['i18n title then ja_jp', { tag: 'plain_text', i18n: { ja_jp: 'ディスク' } }, 'ディスク'],
    ['i18n_content title (2.0)', { tag: 'plain_text', i18n_content: { en_us: 'EN title' } }, 'EN title'],
    ['title without text', { tag: 'plain_text' }, undefined],
  ])('header %s', (_name, title, expected) => {
    expect(flattenCard({ header: { title }, elements: [] }).title).toBe(expected);
  });

  it('reads header.i18n_title when there is no header.title', () => {
    expect(flattenCard({ header: { i18n_title: { en_us: plain('EN'), zh_cn: plain('ZH') } }, elements: [] }).title).toBe('ZH');
  });
});

describe('flattenCard: i18n_elements', () => {
  const zh = [{ tag: 'div', text: larkMd('中文内容') }];
  const en = [{ tag: 'div', text: larkMd('English body') }];
  const ja = [{ tag: 'div', text: larkMd('日本語') }];
  const fr = [{ tag: 'div', text: larkMd('Français') }];

  it.each<[string, Record<string, unknown>, string]>([
    ['zh_cn preferred', { en_us: en, zh_cn: zh, ja_jp: ja }, '中文内容'],
    ['en_us next', { ja_jp: ja, en_us: en }, 'English body'],
    ['ja_jp next', { fr_fr: fr, ja_jp: ja }, '日本語'],
    ['unknown locale as last resort', { fr_fr: fr }, 'Français'],
  ])('%s', (_name, i18nElements, content) => {
    const card = {
      header: { title: { tag: 'plain_text', i18n: { zh_cn: '告警', en_us: 'Alert' } } },
      i18n_elements: i18nElements,
    };
    expect(flattenCard(card)).toEqual({ title: '告警', content });
  });

  it('plain elements win over i18n_elements', () => {
    expect(flattenCard({ elements: en, i18n_elements: { zh_cn: zh } }).content).toBe('English body');
  });
});

describe('flattenCard: Card JSON 2.0', () => {
  it('reads body.elements: markdown, column_set, collapsible_panel; ignores buttons and images', () => {
    const card = {
      schema: '2.0',
      config: { update_multi: true },
      header: { title: plain('Payment API 5xx rate above 5%'), subtitle: plain('prod'), template: 'orange' },
      body: {
        elements: [
          { tag: 'markdown', content: '**Service:** payment-api' },
          {
            tag: 'column_set',
            columns: [
              { tag: 'column', elements: [{ tag: 'markdown', content: '**Region:** cn-east-1' }] },
              { tag: 'column', elements: [{ tag: 'markdown', content: '**Owner:** payments' }, button('Page')] },
            ],
          },
          {
            tag: 'collapsible_panel',
            expanded: false,
            header: { title: { tag: 'markdown', content: 'Details' } },
            elements: [{ tag: 'markdown', content: 'trace id 4bf9' }],
          },
          { tag: 'button', text: plain('Acknowledge'), type: 'primary', behaviors: [{ type: 'callback', value: { a: 1 } }] },
          { tag: 'img', img_key: 'img_v2_x', alt: plain('graph') },
          { tag: 'hr' },
          { tag: 'div', text: plain('footer') },
        ],
      },
    };
    expect(flattenCard(card)).toEqual({
      title: 'Payment API 5xx rate above 5%',
      content: '**Service:** payment-api\n**Region:** cn-east-1\n**Owner:** payments\nDetails\ntrace id 4bf9\n---\nfooter',
    });
  });

  it('collapsible_panel with a plain_text header title', () => {
    const card = {
      schema: '2.0',
      body: { elements: [{ tag: 'collapsible_panel', header: { title: plain('More') }, elements: [{ tag: 'markdown', content: 'hidden' }] }] },
    };
    expect(flattenCard(card).content).toBe('More\nhidden');
  });

  it('markdown with i18n_content picks the preferred locale', () => {
    const card = { schema: '2.0', body: { elements: [{ tag: 'markdown', i18n_content: { en_us: 'EN', zh_cn: 'ZH' } }] } };
    expect(flattenCard(card).content).toBe('ZH');
  });

  it('nested containers (form, interactive_container) are walked; inputs are skipped', () => {
    const card = {
      schema: '2.0',
      body: {
        elements: [
          {
            tag: 'form',
            name: 'f',
            elements: [
              { tag: 'input', name: 'reason', placeholder: plain('why?') },
              { tag: 'interactive_container', elements: [{ tag: 'markdown', content: 'inside' }] },
            ],
          },
        ],
      },
    };
    expect(flattenCard(card).content).toBe('inside');
  });

  it('an empty body gives empty content', () => {
    expect(flattenCard({ schema: '2.0', header: { title: plain('T') }, body: {} })).toEqual({ title: 'T', content: '' });
  });
});

describe('flattenCard: template cards', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['variables as pretty JSON', { type: 'template', data: { template_id: 'ctp_1', template_variable: { alert: 'X', n: 2 } } }, JSON.stringify({ alert: 'X', n: 2 }, null, 2)],
    ['no variables -> empty', { type: 'template', data: { template_id: 'ctp_1' } }, ''],
    ['variables not an object -> empty', { type: 'template', data: { template_id: 'ctp_1', template_variable: 'x' } }, ''],
  ])('%s', (_name, card, content) => {
    const flat = flattenCard(card);
    expect(flat.title).toBeUndefined();
    expect(flat.content).toBe(content);
  });

  it('a "template" without data is read as a normal card', () => {
    expect(flattenCard({ type: 'template', header: { title: plain('H') }, elements: [{ tag: 'markdown', content: 'm' }] })).toEqual({
      title: 'H',
      content: 'm',
    });
  });
});

describe('flattenCard: nesting depth', () => {
  /** `levels` containers, each the only element of the one above, with markdown at the bottom. */
  function nestedCard(levels: number): Record<string, unknown> {
    let element: Record<string, unknown> = { tag: 'markdown', content: 'bottom' };
    for (let i = 0; i < levels; i++) element = { tag: 'interactive_container', elements: [element] };
    return { schema: '2.0', body: { elements: [element] } };
  }

  it('reads a card nested as deep as the limit allows', () => {
    // card (1) → body (2) → elements (3) → container, elements pairs → markdown: 2 × 29 + 4 = 62 levels.
    expect(flattenCard(nestedCard(29)).content).toBe('bottom');
  });

  it.each<[string, Record<string, unknown>]>([
    ['containers 5 000 levels deep', nestedCard(5_000)],
    ['arrays 10 000 levels deep', { elements: JSON.parse(`${'['.repeat(10_000)}"x"${']'.repeat(10_000)}`) }],
    ['template variables 10 000 levels deep', { type: 'template', data: { template_variable: { v: JSON.parse(`${'['.repeat(10_000)}1${']'.repeat(10_000)}`) } } }],
  ])('refuses %s with a 9499 rejection instead of overflowing the stack', (_name, card) => {
    expect(() => flattenCard(card)).toThrow(expect.objectContaining({ code: 9499, message: 'Bad Request: JSON nested deeper than 64 levels' }));
  });
});
