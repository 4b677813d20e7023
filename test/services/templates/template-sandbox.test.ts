/**
 * The template sandbox against what an admin could save: nothing reaches files or JavaScript objects, every
 * runaway render stops at its limit within a bounded time, values are escaped for where they land and `raw` lets
 * only our own values through. Parse errors name their line.
 */
import { TEMPLATE_LIMITS, TemplateRenderError, TemplateSandbox, TemplateSyntaxError, type RenderMarkup } from '../../../src/services/templates/template-sandbox.js';
import { escapeHtml } from '../../../src/lib/html-escape.js';

const markup: RenderMarkup = { escape: escapeHtml, trusted: new Set(['https://oncall.example/incidents/7?sig=a&b']) };
const variables = {
  incident: { title: '<b>db</b> & "x"', detailsUrl: 'https://oncall.example/incidents/7?sig=a&b', responders: ['<Ann>', 'Bob'] },
  list: ['a'],
};

function renderError(source: string): TemplateRenderError {
  const sandbox = new TemplateSandbox();
  try {
    sandbox.render(source, variables, markup);
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateRenderError);
    return error as TemplateRenderError;
  }
  throw new Error(`rendered: ${source}`);
}

describe('template sandbox', () => {
  it('escapes every value for the destination; raw writes our own values only', () => {
    const sandbox = new TemplateSandbox();
    const out = sandbox.render('{{ incident.title }}|{{ incident.title | raw }}|{{ incident.detailsUrl | raw }}|{{ incident.responders | join: ", " }}|{{ incident.title | upcase }}', variables, markup);
    expect(out).toBe('&lt;b&gt;db&lt;/b&gt; &amp; &quot;x&quot;|&lt;b&gt;db&lt;/b&gt; &amp; &quot;x&quot;|https://oncall.example/incidents/7?sig=a&b|&lt;Ann&gt;, Bob|&lt;B&gt;DB&lt;/B&gt; &amp; &quot;X&quot;');
  });

  it('the same template renders with each destination’s own escaping', () => {
    const sandbox = new TemplateSandbox();
    const source = 'T: {{ incident.title }}';
    expect(sandbox.render(source, variables, { escape: (text) => text, trusted: new Set() })).toBe('T: <b>db</b> & "x"');
    expect(sandbox.render(source, variables, { escape: (text) => text.replace(/[<>]/g, '?'), trusted: new Set() })).toBe('T: ?b?db?/b? & "x"');
  });

  it.each([
    ['an unclosed output', 'line one\nline two\n{{ incident.title ', 3],
    ['an unclosed tag', 'ok\n{% if incident.title %}\nyes', 2],
    ['an unknown filter', 'a\nb {{ incident.title | shell: "ls" }}', 2],
    ['an unknown tag', '{% exec "rm -rf /" %}', 1],
  ])('refuses %s, naming the line', (_name, source, line) => {
    const sandbox = new TemplateSandbox();
    expect(() => sandbox.parse(source)).toThrow(TemplateSyntaxError);
    try {
      sandbox.parse(source);
    } catch (error) {
      expect((error as TemplateSyntaxError).line).toBe(line);
    }
  });

  it('refuses a source over the size limit without parsing it', () => {
    expect(() => new TemplateSandbox().parse('x'.repeat(10_001))).toThrow(/longer than 10000/);
  });

  it.each([
    ['a loop over a huge range', '{% for i in (1..100000000) %}x{% endfor %}'],
    ['nested loops', '{% for i in (1..1000) %}{% for j in (1..1000) %}{% for k in (1..1000) %}{{ k }}{% endfor %}{% endfor %}{% endfor %}'],
    ['a string doubled until it is huge', '{% assign s = "xxxxxxxxxx" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}'],
    ['giant output', `{% for i in (1..${TEMPLATE_LIMITS.outputChars}) %}xy{% endfor %}`],
    ['an include of a file path', "{% include '/etc/passwd' %}"],
    ['a render of a relative path', "{% render '../../package.json' %}"],
    ['a layout from disk', "{% layout '/etc/hosts' %}x"],
    ['a walk to the constructor', '{{ incident.constructor }}'],
    ['a walk to the prototype', '{{ incident["__proto__"] }}'],
    ['a walk from a string', '{{ incident.title.constructor.name }}'],
    ['an unknown variable', '{{ incident.nope }}'],
  ])('%s fails (stopped by a limit, not by running out), reading nothing; the sandbox keeps working', (_name, source) => {
    const sandbox = new TemplateSandbox();
    const started = Date.now();
    const error = renderError(source);
    // Far above the render limit, far below what the unbounded template would take (minutes, or memory exhausted).
    expect(Date.now() - started).toBeLessThan(TEMPLATE_LIMITS.renderMs * 40);
    expect(error.message).toBeTruthy();
    expect(error.message).not.toMatch(/root:|"name": "oncall-im"/);
    expect(sandbox.render('{{ incident.title }}', variables, markup)).toBe('&lt;b&gt;db&lt;/b&gt; &amp; &quot;x&quot;');
  });

  it('a render error names its line', () => {
    expect(renderError('ok\n\n{{ incident.nope }}').line).toBe(3);
  });

  it('renders a parsed source again from its kept parse, with this render’s values', () => {
    const sandbox = new TemplateSandbox();
    const source = '{{ incident.title }}';
    expect(sandbox.render(source, { incident: { title: 'one' } }, markup)).toBe('one');
    expect(sandbox.render(source, { incident: { title: '<two>' } }, markup)).toBe('&lt;two&gt;');
  });
});
