import { html, useEffect, useRef, useState } from './lib.js';

let nextId = 0;
const fieldId = (name) => `f-${name.replace(/[^a-zA-Z0-9_-]/g, '-')}-${++nextId}`;

/**
 * The API's validation message ("name: Too small; pushRules.0.keyRegex: is not a valid …") as messages by field
 * path, so each lands next to its field. Messages naming no shown field are listed at the top of the form.
 */
export function fieldErrors(error) {
  const byField = new Map();
  if (!error) return byField;
  for (const part of String(error.message).split('; ')) {
    const match = /^([A-Za-z0-9_.[\]]+): (.*)$/s.exec(part);
    const key = match ? match[1] : '';
    const text = match ? match[2] : part;
    byField.set(key, [...(byField.get(key) ?? []), text]);
  }
  return byField;
}

/** Messages for `name` (and anything below it, e.g. `levels.0` for `levels.0.memberIds`). */
export function errorFor(errors, name) {
  const found = [];
  for (const [key, texts] of errors) if (key === name || key.startsWith(`${name}.`)) found.push(...texts.map((text) => (key === name ? text : `${key.slice(name.length + 1)}: ${text}`)));
  return found.length ? found.join('; ') : undefined;
}

/** The form's own message: what the API said that no field shows, or a plain failure (network, 409, 403). */
export function FormError({ error, shown = [] }) {
  if (!error) return null;
  const errors = fieldErrors(error);
  const leftover = [...errors].filter(([key]) => !shown.some((name) => key === name || key.startsWith(`${name}.`)));
  const text = leftover.length ? leftover.map(([key, texts]) => (key ? `${key}: ` : '') + texts.join('; ')).join('; ') : 'Please fix the fields marked below.';
  return html`<div class="form-error" role="alert">${text}</div>`;
}

/** A labelled control with its hint and its error, tied together for screen readers. */
export function Field({ label, name, error, hint, children, id = fieldId(name) }) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return html`<div class=${`field${error ? ' has-error' : ''}`}>
    <label for=${id}>${label}</label>
    ${children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? 'true' : undefined, name })}
    ${hint && html`<small class="hint" id=${hintId}>${hint}</small>`}
    ${error && html`<small class="error" id=${errorId} role="alert">${error}</small>`}
  </div>`;
}

export function TextField({ label, name, value, onInput, error, hint, type = 'text', required, placeholder, autocomplete }) {
  return html`<${Field} label=${label} name=${name} error=${error} hint=${hint}>${(props) =>
    html`<input ...${props} type=${type} value=${value ?? ''} required=${required} placeholder=${placeholder} autocomplete=${autocomplete ?? 'off'}
      onInput=${(event) => onInput(event.currentTarget.value)} />`}<//>`;
}

export function TextArea({ label, name, value, onInput, error, hint, rows = 4 }) {
  return html`<${Field} label=${label} name=${name} error=${error} hint=${hint}>${(props) =>
    html`<textarea ...${props} rows=${rows} value=${value ?? ''} onInput=${(event) => onInput(event.currentTarget.value)}></textarea>`}<//>`;
}

export function SelectField({ label, name, value, onChange, options, error, hint }) {
  return html`<${Field} label=${label} name=${name} error=${error} hint=${hint}>${(props) =>
    html`<select ...${props} value=${value ?? ''} onChange=${(event) => onChange(event.currentTarget.value)}>
      ${options.map(([optionValue, text]) => html`<option value=${optionValue}>${text}</option>`)}
    </select>`}<//>`;
}

export function CheckboxField({ label, name, checked, onChange, error, hint }) {
  const id = fieldId(name);
  return html`<div class=${`field checkbox${error ? ' has-error' : ''}`}>
    <input id=${id} type="checkbox" name=${name} checked=${Boolean(checked)} aria-invalid=${error ? 'true' : undefined} onChange=${(event) => onChange(event.currentTarget.checked)} />
    <label for=${id}>${label}</label>
    ${hint && html`<small class="hint">${hint}</small>`}
    ${error && html`<small class="error" role="alert">${error}</small>`}
  </div>`;
}

/** A group of checkboxes for a list value (severities, weekdays, members). */
export function CheckboxGroup({ legend, name, values, options, onChange, error }) {
  const set = new Set(values ?? []);
  return html`<fieldset class=${`field${error ? ' has-error' : ''}`}>
    <legend>${legend}</legend>
    <div class="choices">
      ${options.map(([value, text]) => {
        const id = fieldId(`${name}-${value}`);
        return html`<span class="choice"><input id=${id} type="checkbox" checked=${set.has(value)}
          onChange=${(event) => onChange(options.map(([v]) => v).filter((v) => (v === value ? event.currentTarget.checked : set.has(v))))} />
          <label for=${id}>${text}</label></span>`;
      })}
    </div>
    ${error && html`<small class="error" role="alert">${error}</small>`}
  </fieldset>`;
}

/** Runs an API call for a form: busy while it runs, its error kept for the fields, a short note on success. */
export function useSubmit(action) {
  const [state, setState] = useState({ busy: false, error: null, done: '' });
  // An action often ends by leaving the page (navigate): its outcome is not set on a form that is gone.
  const mounted = useRef(true);
  useEffect(() => () => {
    mounted.current = false;
  }, []);
  const settle = (next) => {
    if (mounted.current) setState(next);
  };
  const submit = async (event) => {
    event?.preventDefault();
    setState({ busy: true, error: null, done: '' });
    try {
      const done = await action();
      settle({ busy: false, error: null, done: typeof done === 'string' ? done : '' });
    } catch (error) {
      settle({ busy: false, error, done: '' });
    }
  };
  return { ...state, errors: fieldErrors(state.error), submit, setError: (error) => setState({ busy: false, error, done: '' }) };
}

export function Done({ text }) {
  return text ? html`<p class="done" role="status">${text}</p>` : null;
}
