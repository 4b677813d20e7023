import { fillTemplate, loadCardTemplate } from '../../src/rendering/card-templates.js';

describe('card templates', () => {
  const template = {
    title: '{{title}}',
    subtitle: '#{{id}} · {{channel}} · {{missing}}',
    count: '{{count}}',
    disabled: '{{flag}}',
    untouched: { n: 1, nothing: null, yes: true, text: 'plain' },
    list: [{ value: { id: '{{id}}' } }, '{{unknown}}'],
  };
  const values = { title: 'Disk {{full}}', id: 42, channel: 'sre', count: 7, flag: false };

  it('fills placeholders in string values; a whole placeholder keeps its type; unknown ones stay as written', () => {
    expect(fillTemplate(template, values)).toEqual({
      title: 'Disk {{full}}',
      subtitle: '#42 · sre · {{missing}}',
      count: 7,
      disabled: false,
      untouched: { n: 1, nothing: null, yes: true, text: 'plain' },
      list: [{ value: { id: 42 } }, '{{unknown}}'],
    });
  });

  it('gives a fresh object on every fill, and the same result for the same values', () => {
    const first = fillTemplate(template, values);
    first.untouched.n = 99;
    (first.list[0] as any).value.id = 0;
    const second = fillTemplate(template, values);
    expect(second.untouched.n).toBe(1);
    expect((second.list[0] as any).value.id).toBe(42);
    expect(fillTemplate(template, { ...values, id: 7 }).subtitle).toBe('#7 · sre · {{missing}}');
  });

  it('loads a template file once, frozen, and fills it into a card the caller may change', () => {
    const loaded = loadCardTemplate('feishu/incident.json') as any;
    expect(loadCardTemplate('feishu/incident.json')).toBe(loaded);
    expect(Object.isFrozen(loaded.body.elements)).toBe(true);
    const card = fillTemplate(loaded, { title: 'CPU high', id: 3 }) as any;
    expect(card.header.title.content).toBe('CPU high');
    card.body.elements = [];
    expect(loaded.body.elements.length).toBeGreaterThan(0);
  });
});
