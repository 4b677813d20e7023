import { html } from './lib.js';
import { CheckboxField, SelectField, TextArea, TextField, errorFor } from './forms.js';
import { ConditionsEditor } from './conditions-editor.js';
import { SchemaFields } from './schema-fields.js';

const PUSH_MODES = [['always_new', 'Every message is a new incident'], ['by_title', 'Same title: same incident'], ['by_rules', 'By rules (Alert Key)']];

/** Where a shared integration sends what its routes match; unmatched messages go to the default channel. */
function RoutesEditor({ routes, onChange, channels, errors }) {
  const update = (index, patch) => onChange(routes.map((route, i) => (i === index ? { ...route, ...patch } : route)));
  return html`<fieldset class="nested"><legend>Routes</legend>
    ${routes.map((route, index) => html`<div class="rule" key=${index}>
      <${SelectField} label=${`Route ${index + 1}: channel`} name=${`routes.${index}.channelId`} value=${String(route.channelId ?? '')}
        options=${[['', 'Choose…'], ...channels]} onChange=${(value) => update(index, { channelId: value ? Number(value) : null })}
        error=${errorFor(errors, `routes.${index}.channelId`)} />
      <${ConditionsEditor} value=${route.conditions} onChange=${(conditions) => update(index, { conditions })} errors=${errors} path=${`routes.${index}.conditions`} />
      <button type="button" class="danger small" onClick=${() => onChange(routes.filter((_, i) => i !== index))}>Remove route</button>
    </div>`)}
    <button type="button" class="small" onClick=${() => onChange([...routes, { channelId: null, conditions: [{ field: 'any', op: 'contains', value: '' }] }])}>Add route</button>
  </fieldset>`;
}

function PushRulesEditor({ rules, onChange, errors }) {
  const update = (index, patch) => onChange(rules.map((rule, i) => (i === index ? { ...rule, ...patch } : rule)));
  return html`<fieldset class="nested"><legend>Push rules</legend>
    ${errorFor(errors, 'pushRules') && !rules.length && html`<small class="error" role="alert">${errorFor(errors, 'pushRules')}</small>`}
    ${rules.map((rule, index) => html`<div class="rule" key=${index}>
      <${SelectField} label=${`Rule ${index + 1}: action`} name=${`pushRules.${index}.action`} value=${rule.action}
        options=${[['trigger', 'Trigger (or update) the incident'], ['close', 'Close the incident']]} onChange=${(action) => update(index, { action })} />
      <${ConditionsEditor} value=${rule.conditions ?? []} onChange=${(conditions) => update(index, { conditions })} errors=${errors} path=${`pushRules.${index}.conditions`} />
      <${SelectField} label="Alert Key from" name=${`pushRules.${index}.keyField`} value=${rule.keyField ?? 'title'}
        options=${[['title', 'Title'], ['content', 'Content']]} onChange=${(keyField) => update(index, { keyField })} />
      <${TextField} label="Alert Key regex (optional)" name=${`pushRules.${index}.keyRegex`} value=${rule.keyRegex ?? ''}
        hint="The first capture group (or the whole match) is the Alert Key" error=${errorFor(errors, `pushRules.${index}.keyRegex`)}
        onInput=${(keyRegex) => update(index, { keyRegex: keyRegex || undefined })} />
      <button type="button" class="danger small" onClick=${() => onChange(rules.filter((_, i) => i !== index))}>Remove rule</button>
    </div>`)}
    <button type="button" class="small" onClick=${() => onChange([...rules, { action: 'trigger', conditions: [], keyField: 'title' }])}>Add rule</button>
  </fieldset>`;
}

/** The fields every integration has (whatever its type), then the type's own settings from its type info. */
export function IntegrationFields({ draft, setDraft, type, channels, errors, shown, editing }) {
  const set = (name) => (value) => setDraft({ ...draft, [name]: value });
  const channelOptions = channels.map((channel) => [String(channel.id), channel.name]);
  // What "off" means depends on how the type takes alerts: a URL refuses them, a mailbox is no longer read.
  const enabledLabel = type?.receives.kind === 'poll' ? 'Enabled (off: its mailbox is not read)' : 'Enabled (off: its URL refuses alerts)';
  return html`
    <${TextField} label="Name" name="name" value=${draft.name} onInput=${set('name')} required error=${errorFor(errors, 'name')} />
    ${editing && html`<${CheckboxField} label=${enabledLabel} name="enabled" checked=${draft.enabled} onChange=${set('enabled')} error=${errorFor(errors, 'enabled')} />`}
    <${SelectField} label="Kind" name="kind" value=${draft.kind} options=${[['dedicated', 'Dedicated: one channel'], ['shared', 'Shared: routed by content']]}
      onChange=${set('kind')} error=${errorFor(errors, 'kind')} />
    ${draft.kind === 'dedicated'
      ? html`<${SelectField} label="Channel" name="channelId" value=${String(draft.channelId ?? '')} options=${[['', 'Choose…'], ...channelOptions]}
          onChange=${(value) => setDraft({ ...draft, channelId: value ? Number(value) : null })} error=${errorFor(errors, 'channelId')} />`
      : html`<${SelectField} label="Default channel (unmatched messages)" name="defaultChannelId" value=${String(draft.defaultChannelId ?? '')}
          options=${[['', 'Choose…'], ...channelOptions]} onChange=${(value) => setDraft({ ...draft, defaultChannelId: value ? Number(value) : null })}
          error=${errorFor(errors, 'defaultChannelId')} />
        <${RoutesEditor} routes=${draft.routes ?? []} onChange=${set('routes')} channels=${channelOptions} errors=${errors} />`}
    <${SelectField} label="Message format" name="messageFormat" value=${draft.messageFormat} options=${[['text', 'Plain text'], ['markdown', 'Markdown']]}
      onChange=${set('messageFormat')} error=${errorFor(errors, 'messageFormat')} />
    <${SelectField} label="Push mode" name="pushMode" value=${draft.pushMode} options=${PUSH_MODES} onChange=${set('pushMode')} error=${errorFor(errors, 'pushMode')} />
    ${draft.pushMode === 'by_rules' && html`
      <${PushRulesEditor} rules=${draft.pushRules ?? []} onChange=${set('pushRules')} errors=${errors} />
      <${CheckboxField} label="Discard messages no rule matches" name="discardUnmatched" checked=${draft.discardUnmatched} onChange=${set('discardUnmatched')} />`}
    <${TextArea} label="Keywords (optional, one per line)" name="keywords" rows=${2} value=${(draft.keywords ?? []).join('\n')}
      hint="Like a Feishu bot's keyword check: a message must contain one of them" error=${errorFor(errors, 'keywords')}
      onInput=${(value) => setDraft({ ...draft, keywords: value.split('\n').map((line) => line.trim()).filter(Boolean) })} />
    ${type && type.fields.length > 0 && html`<fieldset class="nested"><legend>${type.label} settings</legend>
      <${SchemaFields} fields=${type.fields} values=${draft.settings ?? {}} onChange=${set('settings')} errors=${errors} shown=${shown} />
    </fieldset>`}`;
}

export const SHARED_FIELDS = ['name', 'enabled', 'kind', 'channelId', 'defaultChannelId', 'routes', 'messageFormat', 'pushMode', 'pushRules', 'discardUnmatched', 'keywords', 'type'];
