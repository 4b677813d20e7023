import { html, useState } from './lib.js';

/** The clipboard API where the page is a secure context (https, localhost); else the selection-based fallback. */
async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'offscreen';
  document.body.append(area);
  area.select();
  const copied = document.execCommand('copy');
  area.remove();
  if (!copied) throw new Error('copy refused');
}

/** A read-only value with a one-click Copy button that says what happened. */
export function CopyField({ label, value }) {
  const [state, setState] = useState('');
  const copy = async () => {
    try {
      await copyText(value);
      setState('Copied');
    } catch {
      setState('Copy failed: select the text and copy it');
    }
    setTimeout(() => setState(''), 3000);
  };
  return html`<div class="copy-field">
    <span class="copy-label">${label}</span>
    <code class="copy-value">${value}</code>
    <button type="button" class="small" onClick=${copy} aria-label=${`Copy ${label}`}>Copy</button>
    <span class="muted" role="status">${state}</span>
  </div>`;
}
