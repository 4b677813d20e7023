import { html, useEffect, useRef, useState } from '../lib.js';
import { api } from '../api.js';
import { Done, FormError, SelectField, TextArea, errorFor, useSubmit } from '../forms.js';
import { Time } from '../format.js';
import { useLoad } from '../use-load.js';

const PREVIEW_DEBOUNCE_MS = 400;

/** The preview of an unsaved source, re-rendered as it is typed (the API renders it: nothing is stored or sent). */
function usePreview(channelId, kind, event, source) {
  const [preview, setPreview] = useState({ result: null, error: null });
  const latest = useRef(0);
  useEffect(() => {
    const call = ++latest.current;
    if (!kind || !event || source === undefined) {
      setPreview({ result: null, error: null });
      return undefined;
    }
    const timer = setTimeout(async () => {
      try {
        const answer = await api.post(`/channels/${channelId}/templates/preview`, { event, kind, source });
        if (call === latest.current) setPreview({ result: answer.items[0] ?? null, error: null });
      } catch (error) {
        if (call === latest.current) setPreview({ result: null, error });
      }
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      // A preview still on its way when the choice changes, or the page goes, is dropped on arrival.
      latest.current += 1;
    };
  }, [channelId, kind, event, source]);
  return preview;
}

/** "line 2, column 5: unexpected …": where a template failed (when known) and why. */
function failureText(failure) {
  if (!failure) return '';
  const where = failure.line ? `line ${failure.line}${failure.column ? `, column ${failure.column}` : ''}: ` : '';
  return `${where}${failure.message ?? JSON.stringify(failure)}`;
}

/**
 * A channel's message templates per destination kind and event, with a live preview. Shown only where the service
 * has message templates (GET /template-defaults answers).
 */
export function ChannelTemplates({ channelId }) {
  const defaults = useLoad(() => api.get('/template-defaults').catch((error) => (error.status === 404 ? null : Promise.reject(error))), []);
  const items = defaults.data?.items ?? [];
  const kinds = [...new Set(items.map((item) => item.kind))];
  const events = [...new Set(items.map((item) => item.event))];
  const [choice, setChoice] = useState({ kind: '', event: '' });
  // The source being edited, with the template it belongs to: the previous template's is never previewed or saved as the next's.
  const [draft, setDraft] = useState({ key: '', source: undefined });
  const kind = choice.kind || kinds[0];
  const event = choice.event || events[0];
  const stored = useLoad(() => (kind && event ? api.get(`/channels/${channelId}/templates/${kind}/${event}`) : Promise.resolve(null)), [channelId, kind, event]);
  const key = `${channelId}/${kind}/${event}`;
  const storedKey = stored.data ? `${stored.data.channelId}/${stored.data.kind}/${stored.data.event}` : '';
  useEffect(() => {
    if (stored.data) setDraft({ key: storedKey, source: stored.data.source });
  }, [stored.data]);
  const source = draft.key === key ? draft.source : undefined;
  const setSource = (value) => setDraft({ key, source: value });
  const ready = source !== undefined && storedKey === key;
  const preview = usePreview(channelId, kind, event, source);
  const form = useSubmit(async () => {
    const saved = await api.put(`/channels/${channelId}/templates/${kind}/${event}`, { source });
    await stored.reload();
    return saved.warnings?.length ? `Saved, with warnings: ${saved.warnings.join('; ')}` : 'Saved.';
  });
  const revert = useSubmit(async () => {
    await api.del(`/channels/${channelId}/templates/${kind}/${event}`);
    await stored.reload();
    return 'Back to the built-in template.';
  });
  const choose = (change) => {
    form.setError(null);
    setChoice({ ...choice, ...change });
  };
  if (!defaults.data || items.length === 0) return null;
  const markup = items.find((item) => item.kind === kind && item.event === event)?.markup;
  const result = preview.result;
  return html`<form class="card form templates" onSubmit=${form.submit} aria-labelledby="templates-title">
    <h2 id="templates-title">Message templates</h2>
    <div class="row-fields">
      <${SelectField} label="Destination" name="kind" value=${kind} options=${kinds.map((name) => [name, name])} onChange=${(kind) => choose({ kind })} />
      <${SelectField} label="Event" name="event" value=${event} options=${events.map((name) => [name, name])} onChange=${(event) => choose({ event })} />
    </div>
    <p class="muted">${!ready ? 'Loading…' : stored.data.overridden ? 'This channel has its own template.' : 'The built-in template (edit it to make the channel its own).'}${markup ? ` Output: ${markup}.` : ''}</p>
    ${ready && stored.data.skipped && html`<div class="form-error" role="alert">
      This template hit a limit (${failureText(stored.data.skipped.error)}): the built-in one is sent instead until <${Time} value=${stored.data.skipped.until} />.
    </div>`}
    <${FormError} error=${form.error ?? revert.error} shown=${['source']} />
    <${TextArea} label="Template (LiquidJS)" name="source" rows=${10} value=${source ?? ''} onInput=${setSource} error=${errorFor(form.errors, 'source')}
      hint="The first line of output is the title. Values are escaped for the destination." />
    <section class="template-preview" aria-labelledby="templates-preview-title" aria-live="polite">
      <h3 id="templates-preview-title">Preview</h3>
      ${preview.error && html`<div class="form-error" role="alert">The preview failed: ${preview.error.message}</div>`}
      ${result && html`<div>
        ${result.error && html`<div class="form-error" role="alert">This template fails: ${failureText(result.error)}. The built-in message below would be sent instead.</div>`}
        <p><strong class="preview-title">${result.title}</strong></p>
        <pre class="preview-body">${result.body}</pre>
      </div>`}
    </section>
    <button type="submit" class="primary" disabled=${form.busy || !ready}>Save template</button> <${Done} text=${form.done || revert.done} />
    ${ready && stored.data.overridden && html`<button type="button" class="danger" onClick=${revert.submit} disabled=${revert.busy}>Use the built-in template</button>`}
  </form>`;
}
