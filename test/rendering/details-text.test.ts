import { descriptionHtml } from '../../src/rendering/markdown-html.js';
import { relativeTime } from '../../src/rendering/relative-time.js';

describe('descriptionHtml', () => {
  it('renders markdown with raw HTML shown as text', () => {
    expect(descriptionHtml('**bold** <b onclick="x()">tag</b>\n<script>alert(1)</script>', 'markdown')).toBe(
      '<p><strong>bold</strong> &lt;b onclick=&quot;x()&quot;&gt;tag&lt;/b&gt;<br>\n&lt;script&gt;alert(1)&lt;/script&gt;</p>\n',
    );
  });

  it.each([
    ['javascript:alert(1)'],
    ['JaVaScRiPt:alert(1)'],
    ['data:text/html;base64,PHNjcmlwdD4='],
    ['vbscript:msgbox(1)'],
    ['/relative/path'],
    ['//evil.example/x'],
  ])('does not link %s', (url) => {
    const rendered = descriptionHtml(`[click](${url}) and <${url}>`, 'markdown');
    expect(rendered).not.toContain('<a ');
  });

  it('links http, https and mailto with rel noopener noreferrer', () => {
    expect(descriptionHtml('[a](https://a.example/x?y=1&z=2) [m](mailto:oncall@example.com)', 'markdown')).toBe(
      '<p><a href="https://a.example/x?y=1&amp;z=2" rel="noopener noreferrer nofollow" target="_blank">a</a> <a href="mailto:oncall@example.com" rel="noopener noreferrer nofollow" target="_blank">m</a></p>\n',
    );
  });

  it('shows images as links, never loading them', () => {
    expect(descriptionHtml('![graph](https://grafana.example/render.png) ![x](javascript:alert(1))', 'markdown')).toBe(
      '<p><a href="https://grafana.example/render.png" rel="noopener noreferrer nofollow" target="_blank">[graph]</a> ![x](javascript:alert(1))</p>\n',
    );
  });

  it('plain text keeps its lines and links bare URLs only', () => {
    expect(descriptionHtml('## not a heading\nsee https://runbooks.example/a <i>x</i>\njavascript:alert(1)', 'text')).toBe(
      '<p>## not a heading<br>\nsee <a href="https://runbooks.example/a" rel="noopener noreferrer nofollow" target="_blank">https://runbooks.example/a</a> &lt;i&gt;x&lt;/i&gt;<br>\njavascript:alert(1)</p>',
    );
  });

  it('drops bidi override controls', () => {
    expect(descriptionHtml('a\u202Etxt.exe\u202C b\u2066c\u2069', 'text')).toBe('<p>atxt.exe bc</p>');
  });
});

describe("relativeTime", () => {
  const at = new Date('2026-12-05T23:19:00Z');

  it.each([
    [10, 'just now'],
    [5 * 60, '5 min ago'],
    [200 * 60, '3 h 20 min ago'],
    [7 * 3600, '7 h ago'],
    [3 * 86_400, '3 days ago'],
    [-5 * 60, 'in 5 min'],
  ])('%d s ago is %j', (seconds, text) => {
    expect(relativeTime(new Date(at.getTime() - seconds * 1000), at)).toBe(text);
  });
});
