import { html } from './lib.js';
import { SelectField, TextField, errorFor } from './forms.js';

const FIELD_OPTIONS = [['any', 'Title or content'], ['title', 'Title'], ['content', 'Content']];
const OP_OPTIONS = [['contains', 'contains'], ['regex', 'matches regex']];

/** A list of conditions ({field, op, value}); `path` is where the API reports their errors (`pushRules.0.conditions`). */
export function ConditionsEditor({ value = [], onChange, errors, path, legend = 'Conditions' }) {
  const update = (index, patch) => onChange(value.map((condition, i) => (i === index ? { ...condition, ...patch } : condition)));
  return html`<fieldset class="nested">
    <legend>${legend}</legend>
    ${value.length === 0 && html`<p class="muted">None: matches everything.</p>`}
    ${value.map((condition, index) => html`<div class="row-fields" key=${index}>
      <${SelectField} label="Field" name=${`${path}.${index}.field`} value=${condition.field ?? 'any'} options=${FIELD_OPTIONS} onChange=${(field) => update(index, { field })} />
      <${SelectField} label="Test" name=${`${path}.${index}.op`} value=${condition.op ?? 'contains'} options=${OP_OPTIONS} onChange=${(op) => update(index, { op })} />
      <${TextField} label="Value" name=${`${path}.${index}.value`} value=${condition.value} onInput=${(text) => update(index, { value: text })}
        error=${errorFor(errors, `${path}.${index}`)} />
      <button type="button" class="danger small" aria-label=${`Remove condition ${index + 1}`} onClick=${() => onChange(value.filter((_, i) => i !== index))}>Remove</button>
    </div>`)}
    ${errorFor(errors, path) && !value.length && html`<small class="error" role="alert">${errorFor(errors, path)}</small>`}
    <button type="button" class="small" onClick=${() => onChange([...value, { field: 'any', op: 'contains', value: '' }])}>Add condition</button>
  </fieldset>`;
}
