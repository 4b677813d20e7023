import { html, useEffect, useState } from '../lib.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { CheckboxField, CheckboxGroup, Done, FormError, SelectField, TextArea, TextField, errorFor, useSubmit } from '../forms.js';
import { ConditionsEditor } from '../conditions-editor.js';
import { useLoad } from '../use-load.js';

const SEVERITIES = [['critical', 'Critical'], ['warning', 'Warning'], ['info', 'Info']];
const WEEKDAYS = [[1, 'Mon'], [2, 'Tue'], [3, 'Wed'], [4, 'Thu'], [5, 'Fri'], [6, 'Sat'], [0, 'Sun']];
const NEW_LEVEL = { memberIds: [], notifyGroupChats: true, notifyDirect: true, notifyBotIds: [], waitMinutes: 10 };
const NEW_RULE = { name: '', enabled: true, filters: {}, levels: [NEW_LEVEL], repeat: 0, stopOn: 'acknowledged' };

function LevelEditor({ level, index, members, bots, onChange, onRemove, errors }) {
  const path = `levels.${index}`;
  const set = (name) => (value) => onChange({ ...level, [name]: value });
  return html`<fieldset class="nested level">
    <legend>Level ${index + 1}</legend>
    <${CheckboxGroup} legend="Members" name=${`${path}.memberIds`} values=${level.memberIds} options=${members.map((member) => [member.id, member.name])}
      onChange=${set('memberIds')} error=${errorFor(errors, `${path}.memberIds`)} />
    <${CheckboxField} label="Post in the channel's group chats" name=${`${path}.notifyGroupChats`} checked=${level.notifyGroupChats} onChange=${set('notifyGroupChats')} />
    <${CheckboxField} label="Send each member a direct message" name=${`${path}.notifyDirect`} checked=${level.notifyDirect} onChange=${set('notifyDirect')}
      error=${errorFor(errors, `${path}.notifyDirect`)} />
    ${bots.length > 0 && html`<${CheckboxGroup} legend="Group bots (@mention the members)" name=${`${path}.notifyBotIds`} values=${level.notifyBotIds ?? []}
      options=${bots.map((bot) => [bot.id, `${bot.name} (${bot.kind})`])} onChange=${set('notifyBotIds')} error=${errorFor(errors, `${path}.notifyBotIds`)} />`}
    <${TextField} label="Wait before the next level (minutes)" name=${`${path}.waitMinutes`} type="number" value=${level.waitMinutes}
      onInput=${(value) => onChange({ ...level, waitMinutes: value === '' ? '' : Number(value) })} error=${errorFor(errors, `${path}.waitMinutes`)} />
    <button type="button" class="danger small" onClick=${onRemove}>Remove level</button>
  </fieldset>`;
}

function ruleBody(rule) {
  const { id: _id, channelId: _channelId, createdAt: _c, updatedAt: _u, ...body } = rule;
  const filters = { ...body.filters };
  if (!filters.severities?.length) delete filters.severities;
  if (!filters.conditions?.length) delete filters.conditions;
  if (!filters.timeWindow) delete filters.timeWindow;
  return { ...body, filters, levels: body.levels.map((level) => ({ ...level, notifyBotIds: level.notifyBotIds?.length ? level.notifyBotIds : undefined })) };
}

/** Pick an incident or type a sample: which rule applies and who would be paged when. */
function DryRun({ channelId, ruleSaved }) {
  const incidents = useLoad(() => api.get(`/incidents?channelId=${channelId}&limit=20`), [channelId]);
  const [source, setSource] = useState({ incidentId: '', title: 'Disk full on db-1', severity: 'critical', description: '' });
  const [result, setResult] = useState(null);
  const form = useSubmit(async () => {
    const body = source.incidentId
      ? { channelId: Number(channelId), incidentId: Number(source.incidentId) }
      : { channelId: Number(channelId), sample: { title: source.title, severity: source.severity, description: source.description || undefined } };
    setResult(await api.post('/escalation-rules/dry-run', body));
  });
  const set = (name) => (value) => setSource({ ...source, [name]: value });
  return html`<form class="card form" onSubmit=${form.submit} aria-labelledby="dry-run">
    <h2 id="dry-run">Dry-run</h2>
    <p class="muted">Which rule of this channel would apply, and the timeline of who would be paged when. Nothing is sent.${ruleSaved ? '' : ' Save the rule first to include your edits.'}</p>
    <${FormError} error=${form.error} shown=${['incidentId', 'sample']} />
    <${SelectField} label="Incident" name="incidentId" value=${source.incidentId} onChange=${set('incidentId')}
      options=${[['', 'A sample (below)'], ...(incidents.data?.items ?? []).map((incident) => [String(incident.id), `#${incident.id} ${incident.title}`])]} error=${errorFor(form.errors, 'incidentId')} />
    ${!source.incidentId && html`
      <${TextField} label="Sample title" name="sample.title" value=${source.title} onInput=${set('title')} error=${errorFor(form.errors, 'sample.title')} />
      <${SelectField} label="Sample severity" name="sample.severity" value=${source.severity} options=${SEVERITIES} onChange=${set('severity')} />
      <${TextArea} label="Sample description (optional)" name="sample.description" rows=${2} value=${source.description} onInput=${set('description')} />`}
    <button type="submit" disabled=${form.busy}>Run</button>
    ${result && html`<div class="dry-run-result" aria-live="polite">
      <p><strong>${result.rule ? `Rule: ${result.rule.name}` : 'No rule applies: nobody would be paged.'}</strong>${result.rule ? ` · stops when ${result.stopsOn}` : ''}</p>
      ${result.steps.length > 0 && html`<ol class="timeline">${result.steps.map((step) => html`<li>
        <span class="kind">+${formatOffset(step.atSeconds)}</span> · level ${step.level}${step.repeat ? ` (repeat ${step.repeat})` : ''}
        <div>${step.targets.map((target) => html`<span class="target">${target.name} <span class="muted">(${target.kind}${target.via.length ? `: ${target.via.join(', ')}` : ''})</span></span>`)}</div>
      </li>`)}</ol>`}
    </div>`}
  </form>`;
}

function formatOffset(seconds) {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 6) / 10} min`;
  return `${Math.round(seconds / 360) / 10} h`;
}

export function EscalationRulePage({ channelId, ruleId }) {
  const isNew = ruleId === 'new';
  const stored = useLoad(() => (isNew ? Promise.resolve(NEW_RULE) : api.get(`/escalation-rules/${ruleId}`)), [ruleId]);
  const members = useLoad(() => api.get('/members'), []);
  const bots = useLoad(() => api.get(`/channels/${channelId}/bots`), [channelId]);
  const channel = useLoad(() => api.get(`/channels/${channelId}`), [channelId]);
  const [rule, setRule] = useState(null);
  // Another rule (a created one opens at its own address): wait for it rather than show, and let people edit, the last one.
  useEffect(() => setRule(null), [ruleId]);
  useEffect(() => {
    if (stored.data && !stored.loading) setRule(structuredClone(stored.data));
  }, [stored.data, stored.loading]);
  const form = useSubmit(async () => {
    if (isNew) {
      const created = await api.post(`/channels/${channelId}/escalation-rules`, ruleBody(rule));
      navigate(`/channels/${channelId}/rules/${created.id}`);
      return 'Created.';
    }
    await api.put(`/escalation-rules/${ruleId}`, ruleBody(rule));
    return 'Saved. Running escalations keep the rule they started with.';
  });
  const remove = async () => {
    if (!confirm('Delete this rule?')) return;
    await api.del(`/escalation-rules/${ruleId}`).then(() => navigate(`/channels/${channelId}`), (error) => form.setError(error));
  };
  if (stored.error) return html`<section class="page"><div class="form-error" role="alert">${stored.error.message}</div></section>`;
  if (!rule || !members.data) return html`<p class="loading" role="status">Loading…</p>`;
  const set = (name) => (value) => setRule({ ...rule, [name]: value });
  const setFilter = (name) => (value) => setRule({ ...rule, filters: { ...rule.filters, [name]: value } });
  const timeWindow = rule.filters.timeWindow;
  return html`<section class="page">
    <p class="crumbs"><a href="#/channels">Channels</a> / <a href=${`#/channels/${channelId}`}>${channel.data?.name ?? 'Channel'}</a> / ${isNew ? 'New rule' : rule.name}</p>
    <h1>${isNew ? 'New escalation rule' : `Escalation rule: ${rule.name}`}</h1>
    <div class="grid">
      <form class="card form" onSubmit=${form.submit} aria-labelledby="rule-form">
        <h2 id="rule-form">Rule</h2>
        <${FormError} error=${form.error} shown=${['name', 'enabled', 'filters', 'levels', 'repeat', 'stopOn']} />
        <${TextField} label="Name" name="name" value=${rule.name} onInput=${set('name')} required error=${errorFor(form.errors, 'name')} />
        <${CheckboxField} label="Enabled" name="enabled" checked=${rule.enabled} onChange=${set('enabled')} />
        <fieldset class="nested"><legend>Filters (all must hold)</legend>
          <${CheckboxGroup} legend="Severities (none: any)" name="filters.severities" values=${rule.filters.severities ?? []} options=${SEVERITIES}
            onChange=${setFilter('severities')} error=${errorFor(form.errors, 'filters.severities')} />
          <${ConditionsEditor} value=${rule.filters.conditions ?? []} onChange=${setFilter('conditions')} errors=${form.errors} path="filters.conditions" />
          <${CheckboxField} label="Only in a time window (channel time zone)" name="filters.timeWindow" checked=${Boolean(timeWindow)}
            onChange=${(on) => setFilter('timeWindow')(on ? { weekdays: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' } : undefined)} />
          ${timeWindow && html`<${CheckboxGroup} legend="Weekdays" name="filters.timeWindow.weekdays" values=${timeWindow.weekdays} options=${WEEKDAYS}
              onChange=${(weekdays) => setFilter('timeWindow')({ ...timeWindow, weekdays })} error=${errorFor(form.errors, 'filters.timeWindow.weekdays')} />
            <div class="row-fields">
              <${TextField} label="From" name="filters.timeWindow.start" type="time" value=${timeWindow.start} onInput=${(start) => setFilter('timeWindow')({ ...timeWindow, start })}
                error=${errorFor(form.errors, 'filters.timeWindow.start')} />
              <${TextField} label="To" name="filters.timeWindow.end" type="time" value=${timeWindow.end} onInput=${(end) => setFilter('timeWindow')({ ...timeWindow, end })}
                error=${errorFor(form.errors, 'filters.timeWindow.end')} />
            </div>`}
        </fieldset>
        ${rule.levels.map((level, index) => html`<${LevelEditor} key=${index} level=${level} index=${index} members=${members.data.items} bots=${bots.data?.items ?? []}
          errors=${form.errors} onChange=${(changed) => set('levels')(rule.levels.map((l, i) => (i === index ? changed : l)))}
          onRemove=${() => set('levels')(rule.levels.filter((_, i) => i !== index))} />`)}
        ${errorFor(form.errors, 'levels') && rule.levels.length === 0 && html`<small class="error" role="alert">${errorFor(form.errors, 'levels')}</small>`}
        <button type="button" class="small" onClick=${() => set('levels')([...rule.levels, { ...NEW_LEVEL }])}>Add level</button>
        <${TextField} label="Repeat the levels (times)" name="repeat" type="number" value=${rule.repeat} onInput=${(value) => set('repeat')(value === '' ? '' : Number(value))}
          error=${errorFor(form.errors, 'repeat')} />
        <${SelectField} label="Stop when the incident is" name="stopOn" value=${rule.stopOn} options=${[['acknowledged', 'Acknowledged'], ['closed', 'Closed']]} onChange=${set('stopOn')} />
        <button type="submit" class="primary" disabled=${form.busy}>${isNew ? 'Create rule' : 'Save rule'}</button> <${Done} text=${form.done} />
        ${!isNew && html`<button type="button" class="danger" onClick=${remove}>Delete rule</button>`}
      </form>
      <${DryRun} channelId=${channelId} ruleSaved=${!isNew} />
    </div>
  </section>`;
}
