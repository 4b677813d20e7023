import { escapeTagCharacters as escapeHtml } from '../../src/lib/html-escape.js';
import { capText, ELLIPSIS, nameList } from '../../src/rendering/text-caps.js';

const bytes = (text: string) => Buffer.byteLength(text);

describe('capText', () => {
  it('leaves text within the limit as it is', () => {
    expect(capText('disk full', 9)).toBe('disk full');
    expect(capText('', 0)).toBe('');
  });

  it('cuts to the limit, ellipsis included, without trailing spaces before the ellipsis', () => {
    expect(capText('abcdefghij', 5)).toBe(`abcd${ELLIPSIS}`);
    expect(capText('abc   defghij', 6)).toBe(`abc${ELLIPSIS}`);
    expect(capText('abcdef', 0)).toBe('');
  });

  it('never splits a surrogate pair', () => {
    const fire = '🔥';
    const cut = capText(fire.repeat(10), 4); // room for 3 units: one emoji (2 units), not one and a half
    expect(cut).toBe(`${fire}${ELLIPSIS}`);
    expect(cut.length).toBeLessThanOrEqual(4);
    expect(() => encodeURIComponent(capText(`a${fire.repeat(100)}`, 50))).not.toThrow();
  });

  it('never cuts inside an escape: a cut falling in "&amp;" drops the entity whole', () => {
    const escaped = escapeHtml('ab&&&&');
    // 'ab&amp;&amp;…' is 13; a limit of 10 leaves room for 'ab&amp;' (7) only.
    expect(capText(escaped, 10)).toBe(`ab&amp;${ELLIPSIS}`);
    for (let limit = 1; limit < escaped.length; limit++) {
      const cut = capText(escaped, limit);
      expect(cut.length).toBeLessThanOrEqual(limit);
      expect(cut.replace(/&(amp|lt|gt);/g, '')).not.toMatch(/&/);
    }
  });

  it('never cuts a mention tag: a Slack <@U…> or a Feishu <at …>Name</at> is kept whole or dropped whole', () => {
    const slack = '<@U0123456789> <@U9876543210> page';
    for (let limit = 1; limit < slack.length; limit++) {
      const cut = capText(slack, limit);
      expect(cut.replace(/<@U\d{10}>/g, '')).not.toMatch(/[<>]/);
    }
    const feishu = '<at user_id="ou_a1">Alice Example</at> <at user_id="ou_b2">Bob</at> text';
    for (let limit = 1; limit < feishu.length; limit++) {
      const cut = capText(feishu, limit);
      expect(cut.replace(/<at user_id="ou_\w+">[^<]*<\/at>/g, '')).not.toMatch(/[<>]/);
    }
    expect(capText(feishu, 42)).toBe(`<at user_id="ou_a1">Alice Example</at>${ELLIPSIS}`);
  });

  it('never cuts a time: a Feishu <local_datetime …></local_datetime> or a Slack <!date^…|…> is kept whole or dropped whole', () => {
    const feishu = `10:00 <local_datetime millisecond='1764900000000' format_type='time'></local_datetime> Acknowledged`;
    const tagEnd = feishu.indexOf('</local_datetime>') + '</local_datetime>'.length;
    for (let limit = 7; limit < feishu.length; limit++) {
      const cut = capText(feishu, limit);
      expect(cut.length).toBeLessThanOrEqual(limit);
      // Either the whole pair is there, or none of it.
      expect(cut.includes('<local_datetime') ? cut.slice(0, tagEnd) === feishu.slice(0, tagEnd) : !cut.includes('local_datetime')).toBe(true);
    }
    const slack = 'at <!date^1764900000^{date_num} {time}|2025-12-05 10:00 CST> by Ann';
    for (let limit = 4; limit < slack.length; limit++) {
      const cut = capText(slack, limit);
      expect(cut === `at${ELLIPSIS}` || cut.startsWith('at <!date^1764900000^{date_num} {time}|2025-12-05 10:00 CST>')).toBe(true);
    }
  });

  it('measures with the cost it is given (bytes here)', () => {
    const cjk = '磁盘已满'.repeat(10); // 3 bytes a character
    const cut = capText(cjk, 20, bytes);
    expect(bytes(cut)).toBeLessThanOrEqual(20);
    expect(cut).toBe(`磁盘已满磁${ELLIPSIS}`); // 5 × 3 + 3 for the ellipsis; a sixth character would make 21
  });

  it('cuts a 100 KB escaped text to whole entities', () => {
    const huge = escapeHtml('<!channel> & '.repeat(8000));
    const cut = capText(huge, 3000);
    expect(cut.length).toBeLessThanOrEqual(3000);
    expect(cut.length).toBeGreaterThan(2990);
    expect(cut.slice(0, -1).replace(/&(amp|lt|gt);/g, '')).not.toMatch(/[&<>]/);
  });
});

describe('nameList', () => {
  it('shows every name when they fit', () => {
    expect(nameList(['Ann', 'Bob'], 100, escapeHtml)).toBe('Ann, Bob');
  });

  it('shows whole names and counts the rest, within the limit', () => {
    const names = Array.from({ length: 50 }, (_, i) => `Person ${String(i).padStart(2, '0')} <ops>`);
    const list = nameList(names, 120, escapeHtml);
    expect(list.length).toBeLessThanOrEqual(120);
    expect(list).toMatch(/^Person 00 &lt;ops&gt;, Person 01 &lt;ops&gt;, .* and \d+ more$/);
    const shown = list.replace(/ and \d+ more$/, '').split(', ');
    expect(shown.length + Number(/and (\d+) more$/.exec(list)![1])).toBe(50);
  });

  it('caps even the first name when it alone is too long', () => {
    const list = nameList(['x'.repeat(500), 'Bob', 'y'.repeat(40)], 50, escapeHtml);
    expect(list.length).toBeLessThanOrEqual(50);
    expect(list).toMatch(/^x+… and 2 more$/);
  });
});
