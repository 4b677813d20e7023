import markdownItFactory, { type MarkdownIt } from 'markdown-it';
import { safeLinkUrl } from '../domain/alert-links.js';
import type { MessageFormat } from '../domain/integration-settings.js';
import { stripBidiControls } from './html-text.js';

/**
 * Alert descriptions as HTML that is safe to show: markdown-it with raw HTML off, so every tag in the text is shown
 * as text; links only to http, https and mailto (no javascript:, data: or relative targets), opening in a new tab
 * without handing it our page; images shown as their link (no request leaves the page by itself).
 */
function markdownIt(preset: 'default' | 'zero'): MarkdownIt {
  const md = markdownItFactory(preset, { html: false, linkify: true, breaks: true, typographer: false });
  md.validateLink = (url) => safeLinkUrl(url) !== undefined;
  const link = md.renderer.rules.link_open ?? ((tokens, index, options, _env, self) => self.renderToken(tokens, index, options));
  md.renderer.rules.link_open = (tokens, index, options, env, self) => {
    tokens[index].attrSet('rel', 'noopener noreferrer nofollow');
    tokens[index].attrSet('target', '_blank');
    return link(tokens, index, options, env, self);
  };
  md.renderer.rules.image = (tokens, index) => {
    const token = tokens[index];
    const src = String(token.attrGet('src') ?? '');
    const alt = md.utils.escapeHtml(String(token.content || 'image'));
    return safeLinkUrl(src) ? `<a href="${md.utils.escapeHtml(src)}" rel="noopener noreferrer nofollow" target="_blank">[${alt}]</a>` : `[${alt}]`;
  };
  return md;
}

const markdown = markdownIt('default');
/** Plain text: only line breaks and bare URLs turned into links. */
const plain = markdownIt('zero').enable(['linkify', 'newline']);

export function descriptionHtml(text: string, format: MessageFormat): string {
  const source = stripBidiControls(text);
  return format === 'markdown' ? markdown.render(source) : `<p>${plain.renderInline(source)}</p>`;
}
