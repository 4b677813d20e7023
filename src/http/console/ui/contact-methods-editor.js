import { html, useRef } from './lib.js';

/** The methods the API knows (CONTACT_METHODS in src/domain/contact-methods.ts), in the default order null stands for. */
const METHODS = [
  ['im', 'IM direct message'],
  ['email', 'Email'],
];
const DEFAULT_ORDER = METHODS.map(([method]) => method);
const labelOf = (method) => METHODS.find(([name]) => name === method)?.[1] ?? method;

/**
 * A member's contact methods: null (the default order) or an ordered list without repeats, edited by moving,
 * removing and adding methods. The API's message for `contactMethods` is shown under the list.
 */
export function ContactMethodsEditor({ value, onChange, error }) {
  const order = value ?? DEFAULT_ORDER;
  const list = useRef(null);
  const move = (index, by) => {
    const method = order[index];
    const next = [...order];
    [next[index], next[index + by]] = [next[index + by], next[index]];
    onChange(next);
    // A method moved to the top (or bottom) disables the button just pressed: keep the keyboard focus on its row.
    requestAnimationFrame(() => {
      const row = list.current?.querySelector(`[data-method="${method}"]`);
      const focused = document.activeElement;
      if (row && (!row.contains(focused) || focused.disabled)) row.querySelector('button:not([disabled])')?.focus();
    });
  };
  // The removed method's row is gone: the keyboard focus goes to the button that adds it back.
  const remove = (index) => {
    const method = order[index];
    onChange(order.filter((_, i) => i !== index));
    requestAnimationFrame(() => list.current?.parentElement.querySelector(`[data-add="${method}"]`)?.focus());
  };
  const missing = DEFAULT_ORDER.filter((method) => !order.includes(method));
  return html`<fieldset class=${`field contact-methods${error ? ' has-error' : ''}`} aria-describedby="contact-methods-hint">
    <legend>Contact methods, in order</legend>
    <small class="hint" id="contact-methods-hint">A page reaches the member by the first method; when it fails for good (after its retries), the next one is tried.
      ${value === null ? ' This member uses the default order.' : ''}</small>
    <ol class="method-list" ref=${list}>
      ${order.map((method, index) => html`<li key=${method} data-method=${method}><div class="method-row">
        <span class="method-name">${labelOf(method)}</span>
        <span class="method-actions">
          <button type="button" class="small" disabled=${index === 0} aria-label=${`Move ${labelOf(method)} up`} onClick=${() => move(index, -1)}>Up</button>
          <button type="button" class="small" disabled=${index === order.length - 1} aria-label=${`Move ${labelOf(method)} down`} onClick=${() => move(index, 1)}>Down</button>
          <button type="button" class="small danger" disabled=${order.length === 1} aria-label=${`Remove ${labelOf(method)}`}
            onClick=${() => remove(index)}>Remove</button>
        </span>
      </div></li>`)}
    </ol>
    <div class="actions">
      ${missing.map((method) => html`<button type="button" class="small" data-add=${method} onClick=${() => onChange([...order, method])}>Add ${labelOf(method)}</button>`)}
      ${value !== null && html`<button type="button" class="small link" onClick=${() => onChange(null)}>Use the default order</button>`}
    </div>
    ${error && html`<small class="error" role="alert">${error}</small>`}
  </fieldset>`;
}
