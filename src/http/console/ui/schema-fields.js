import { html } from './lib.js';
import { CheckboxField, SelectField, TextField, errorFor } from './forms.js';
import { labelOfName } from './field-label.js';

const flagName = (name) => `has${name.charAt(0).toUpperCase()}${name.slice(1)}`;

/**
 * Inputs for a type's own settings, built from the type info the API publishes (GET /integration-types,
 * /destination-types): a new type shows up here without console changes. Secrets are write-only: the form shows
 * "set" when the API says one is stored and sends a value only when one is typed.
 */
export function SchemaFields({ fields, values, onChange, errors, shown }) {
  const set = (name, value) => onChange({ ...values, [name]: value });
  return fields.map((field) => {
    const error = errorFor(errors, field.name);
    const hint = field.description || undefined;
    // A checkbox is never "required": "(optional)" would only add noise there.
    const label = labelOfName(field.name) + (field.required || field.type === 'boolean' ? '' : ' (optional)');
    if (field.secret) {
      const stored = shown?.[flagName(field.name)] === true;
      return html`<div class="secret-field">
        <${TextField} label=${label} name=${field.name} type="password" value=${values[field.name] ?? ''} error=${error}
          hint=${(stored ? 'Set — type a new value to replace it. ' : 'Not set. ') + (hint ?? '')}
          placeholder=${stored ? '•••••• (set)' : ''} autocomplete="new-password" onInput=${(value) => set(field.name, value)} />
        ${stored && field.nullable && html`<${CheckboxField} label=${`Remove the stored ${labelOfName(field.name, { midSentence: true })}`} name=${`${field.name}-remove`}
          checked=${values[field.name] === null} onChange=${(checked) => set(field.name, checked ? null : '')} />`}
      </div>`;
    }
    if (field.enum) {
      const options = [...(field.required ? [] : [['', '—']]), ...field.enum.map((value) => [String(value), String(value)])];
      return html`<${SelectField} label=${label} name=${field.name} value=${values[field.name] ?? ''} options=${options} error=${error} hint=${hint}
        onChange=${(value) => set(field.name, value === '' ? undefined : value)} />`;
    }
    if (field.type === 'boolean') {
      return html`<${CheckboxField} label=${label} name=${field.name} checked=${values[field.name] ?? field.default ?? false} error=${error} hint=${hint}
        onChange=${(checked) => set(field.name, checked)} />`;
    }
    if (field.type === 'integer' || field.type === 'number') {
      return html`<${TextField} label=${label} name=${field.name} type="number" value=${values[field.name] ?? ''} error=${error} hint=${hint}
        onInput=${(value) => set(field.name, value === '' ? undefined : Number(value))} />`;
    }
    if (field.type === 'array') {
      return html`<${TextField} label=${label} name=${field.name} value=${(values[field.name] ?? []).join(', ')} error=${error} hint=${`Comma-separated. ${hint ?? ''}`}
        onInput=${(value) => set(field.name, value.split(',').map((part) => part.trim()).filter(Boolean))} />`;
    }
    return html`<${TextField} label=${label} name=${field.name} value=${values[field.name] ?? ''} error=${error} hint=${hint}
      onInput=${(value) => set(field.name, value === '' ? undefined : value)} />`;
  });
}

/**
 * The settings to send: typed values only; an untouched secret is left out (kept as stored); an empty optional
 * value is left out on create and sent as null on edit when the field may be null.
 */
export function settingsBody(fields, values, editing) {
  const body = {};
  for (const field of fields) {
    const value = values[field.name];
    if (field.secret) {
      if (value === null || (typeof value === 'string' && value !== '')) body[field.name] = value;
      continue;
    }
    if (value === undefined || value === '') {
      if (editing && field.nullable) body[field.name] = null;
      continue;
    }
    body[field.name] = value;
  }
  return body;
}

/** The current (shown) values of a stored record for the settings form; secrets start empty. */
export function settingsValues(fields, record) {
  const values = {};
  for (const field of fields) if (!field.secret && record[field.name] !== undefined && record[field.name] !== null) values[field.name] = record[field.name];
  return values;
}
