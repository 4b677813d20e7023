import { html, useState } from '../lib.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { Done, FormError, SelectField, TextField, errorFor, useSubmit } from '../forms.js';
import { SchemaFields, settingsBody } from '../schema-fields.js';
import { useLoad } from '../use-load.js';
import { ChannelTemplates } from './channel-templates.js';

function ChannelSettings({ channel, onSaved }) {
  const [draft, setDraft] = useState({ name: channel.name, description: channel.description, timeZone: channel.timeZone });
  const form = useSubmit(async () => {
    await api.patch(`/channels/${channel.id}`, draft);
    onSaved();
    return 'Saved.';
  });
  const set = (name) => (value) => setDraft({ ...draft, [name]: value });
  return html`<form class="card form" onSubmit=${form.submit} aria-labelledby="channel-settings">
    <h2 id="channel-settings">Settings</h2>
    <${FormError} error=${form.error} shown=${['name', 'description', 'timeZone']} />
    <${TextField} label="Name" name="name" value=${draft.name} onInput=${set('name')} error=${errorFor(form.errors, 'name')} />
    <${TextField} label="Description" name="description" value=${draft.description} onInput=${set('description')} error=${errorFor(form.errors, 'description')} />
    <${TextField} label="Time zone" name="timeZone" value=${draft.timeZone} onInput=${set('timeZone')} error=${errorFor(form.errors, 'timeZone')} />
    <button type="submit" disabled=${form.busy}>Save</button> <${Done} text=${form.done} />
  </form>`;
}

function ChatBindings({ channelId, platforms }) {
  const bindings = useLoad(() => api.get('/chat-bindings'), []);
  const [draft, setDraft] = useState({ platform: platforms[0] ?? 'feishu', chatId: '', chatName: '' });
  const form = useSubmit(async () => {
    await api.post('/chat-bindings', { ...draft, channelId: Number(channelId) });
    setDraft({ ...draft, chatId: '', chatName: '' });
    bindings.reload();
    return 'Bound.';
  });
  const remove = async (id) => {
    await api.del(`/chat-bindings/${id}`).catch((error) => form.setError(error));
    bindings.reload();
  };
  const mine = (bindings.data?.items ?? []).filter((binding) => String(binding.channelId) === String(channelId));
  const set = (name) => (value) => setDraft({ ...draft, [name]: value });
  return html`<div class="card" aria-labelledby="bindings-title">
    <h2 id="bindings-title">Chat bindings</h2>
    <p class="muted">Group chats on Feishu, Slack or DingTalk where this channel's incident cards are posted. Usually made with the bot's bind command in the chat.</p>
    ${mine.length === 0 ? html`<p class="empty">No chat is bound.</p>` : html`<ul class="rows">${mine.map((binding) => html`<li key=${binding.id}>
      <span><span class="badge">${binding.platform}</span> ${binding.chatName || binding.chatId} <span class="muted">${binding.chatId}</span></span>
      <button type="button" class="danger" onClick=${() => remove(binding.id)} aria-label=${`Unbind ${binding.chatName || binding.chatId}`}>Unbind</button>
    </li>`)}</ul>`}
    <form class="inline-form" onSubmit=${form.submit} aria-label="Bind a chat">
      <${FormError} error=${form.error} shown=${['platform', 'chatId', 'chatName']} />
      <${SelectField} label="Platform" name="platform" value=${draft.platform} options=${platforms.map((name) => [name, name])} onChange=${set('platform')} error=${errorFor(form.errors, 'platform')} />
      <${TextField} label="Chat id" name="chatId" value=${draft.chatId} onInput=${set('chatId')} error=${errorFor(form.errors, 'chatId')} />
      <${TextField} label="Chat name (optional)" name="chatName" value=${draft.chatName} onInput=${set('chatName')} error=${errorFor(form.errors, 'chatName')} />
      <button type="submit" disabled=${form.busy}>Bind chat</button> <${Done} text=${form.done} />
    </form>
  </div>`;
}

/** Group bots: one form per bot kind, from GET /destination-types (kinds set up per record through the API). */
function GroupBots({ channelId, types }) {
  const bots = useLoad(() => api.get(`/channels/${channelId}/bots`), [channelId]);
  const botTypes = types.filter((type) => type.configuredBy === 'admin_api' && type.name.endsWith('-bot'));
  const [typeName, setTypeName] = useState(botTypes[0]?.name ?? '');
  const [values, setValues] = useState({});
  const [tested, setTested] = useState({});
  const type = botTypes.find((candidate) => candidate.name === typeName);
  const form = useSubmit(async () => {
    await api.post(`/channels/${channelId}/bots`, { kind: typeName.replace(/-bot$/, ''), ...settingsBody(type.fields, values, false) });
    setValues({});
    bots.reload();
    return 'Bot added.';
  });
  const test = async (bot) => {
    const answer = await api.post(`/bots/${bot.id}/test`, {}).catch((error) => ({ ok: false, error: error.message }));
    setTested({ ...tested, [bot.id]: answer });
  };
  const remove = async (bot) => {
    await api.del(`/bots/${bot.id}`).catch((error) => form.setError(error));
    bots.reload();
  };
  return html`<div class="card" aria-labelledby="bots-title">
    <h2 id="bots-title">Group bots</h2>
    ${(bots.data?.items ?? []).length === 0 ? html`<p class="empty">No group bot.</p>` : html`<ul class="rows">${bots.data.items.map((bot) => html`<li key=${bot.id}>
      <span><span class="badge">${bot.kind}</span> ${bot.name} <span class="muted">${bot.urlHint}${bot.hasSecret ? ' · secret set' : ''}${bot.enabled ? '' : ' · disabled'}</span>
        ${tested[bot.id] && html`<span class="muted" role="status"> Test: ${JSON.stringify(tested[bot.id])}</span>`}</span>
      <span><button type="button" onClick=${() => test(bot)}>Send test</button> <button type="button" class="danger" onClick=${() => remove(bot)}>Remove</button></span>
    </li>`)}</ul>`}
    ${botTypes.length > 0 && html`<form class="form" onSubmit=${form.submit} aria-label="Add a group bot">
      <h3>Add a group bot</h3>
      <${FormError} error=${form.error} shown=${['kind', ...(type?.fields ?? []).map((field) => field.name)]} />
      <${SelectField} label="Kind" name="kind" value=${typeName} options=${botTypes.map((candidate) => [candidate.name, candidate.label])}
        onChange=${(value) => { setTypeName(value); setValues({}); }} error=${errorFor(form.errors, 'kind')} />
      ${type && html`<${SchemaFields} fields=${type.fields} values=${values} onChange=${setValues} errors=${form.errors} />`}
      <button type="submit" disabled=${form.busy}>Add bot</button> <${Done} text=${form.done} />
    </form>`}
  </div>`;
}

function EscalationRules({ channelId }) {
  const rules = useLoad(() => api.get(`/channels/${channelId}/escalation-rules`), [channelId]);
  return html`<div class="card" aria-labelledby="rules-title">
    <h2 id="rules-title">Escalation rules</h2>
    <p class="muted">The first enabled rule whose filters match a new incident pages its levels in turn.</p>
    ${(rules.data?.items ?? []).length === 0 ? html`<p class="empty">No rule: incidents of this channel page nobody.</p>` : html`<ol class="rows">${rules.data.items.map((rule) => html`<li key=${rule.id}>
      <span><a href=${`#/channels/${channelId}/rules/${rule.id}`}>${rule.name}</a> <span class="muted">${rule.levels.length} level(s)${rule.enabled ? '' : ' · disabled'}</span></span>
    </li>`)}</ol>`}
    <button type="button" onClick=${() => navigate(`/channels/${channelId}/rules/new`)}>New rule</button>
  </div>`;
}

export function ChannelPage({ id }) {
  const channel = useLoad(() => api.get(`/channels/${id}`), [id]);
  const types = useLoad(() => api.get('/destination-types'), []);
  if (channel.error) return html`<section class="page"><div class="form-error" role="alert">${channel.error.message}</div></section>`;
  if (!channel.data || !types.data) return html`<p class="loading" role="status">Loading…</p>`;
  const platforms = types.data.items.filter((type) => type.configuredBy === 'environment').map((type) => type.name);
  return html`<section class="page">
    <p class="crumbs"><a href="#/channels">Channels</a> / ${channel.data.name}</p>
    <h1>${channel.data.name}</h1>
    <div class="grid">
      <${ChannelSettings} channel=${channel.data} onSaved=${channel.reload} />
      <${EscalationRules} channelId=${id} />
      <${ChatBindings} channelId=${id} platforms=${platforms.length ? platforms : ['feishu', 'slack', 'dingtalk']} />
      <${GroupBots} channelId=${id} types=${types.data.items} />
      <${ChannelTemplates} channelId=${id} />
    </div>
  </section>`;
}
