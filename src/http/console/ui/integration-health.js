import { html, useEffect, useState } from './lib.js';
import { api } from './api.js';
import { labelOfName } from './field-label.js';
import { Time } from './format.js';

/** How often an open integration page reads its health again: mailbox checks go on behind it. */
const HEALTH_REFRESH_MS = 5000;

/**
 * The integration's health (and whether it is enabled) read again every few seconds while its page is open, so a
 * mailbox that starts failing, or gets switched off, shows without a reload. Only these are refreshed: the settings
 * form keeps what the admin is typing.
 */
export function useLiveHealth(id, shown) {
  const [live, setLive] = useState(null);
  useEffect(() => {
    setLive(null);
    if (!shown) return undefined;
    let stopped = false;
    const timer = setInterval(async () => {
      const view = await api.get(`/integrations/${id}`).catch(() => null);
      if (view && !stopped) setLive({ health: view.health, enabled: view.enabled });
    }, HEALTH_REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [id, shown]);
  return live;
}

/** Every health field an integration that keeps health shows (ShownHealth), in reading order, with its label. */
const HEALTH_ROWS = [
  ['lastCheckAt', 'Last mailbox check', 'time'],
  ['lastSuccessfulCheckAt', 'Last successful check', 'time'],
  ['lastIncomingAt', 'Last mail received', 'time'],
  ['incomingErrors', 'Consecutive incoming errors', 'count'],
  ['lastIncomingErrorAt', 'Last incoming error at', 'time'],
  ['lastIncomingError', 'Last incoming error', 'text'],
  ['lastOutgoingAt', 'Last mail sent', 'time'],
  ['outgoingErrors', 'Consecutive outgoing errors', 'count'],
  ['lastOutgoingErrorAt', 'Last outgoing error at', 'time'],
  ['lastOutgoingError', 'Last outgoing error', 'text'],
  ['disabledAutomaticallyAt', 'Disabled automatically', 'time'],
];

const OTHER_LABELS = { lastModifiedBy: 'Last changed by', lastModifiedAt: 'Last changed' };
const MODIFIED_BY = { admin: 'an admin', system: 'the service (disabled automatically)' };

function Value({ value, kind }) {
  if (kind === 'time') return html`<${Time} value=${value} empty="never" />`;
  if (value === null || value === undefined || value === '') return html`<span class="muted">${kind === 'text' ? 'none' : '—'}</span>`;
  if (typeof value === 'object') return html`<code>${JSON.stringify(value)}</code>`;
  return html`<span class=${kind === 'text' ? 'error-text' : undefined}>${String(value)}</span>`;
}

/** The fields an integration shows beside its settings and health (who changed it last, when …), readably labelled. */
export function OtherFacts({ entries }) {
  if (entries.length === 0) return null;
  return html`<dl class="facts">${entries.map(([name, value]) => html`<dt>${OTHER_LABELS[name] ?? labelOfName(name)}</dt><dd>${
    name === 'lastModifiedBy' ? (MODIFIED_BY[value] ?? html`<${Value} value=${value} />`) : html`<${Value} value=${value} kind=${name.endsWith('At') ? 'time' : undefined} />`
  }</dd>`)}</dl>`;
}

/**
 * The mailbox health of an email integration; when the error threshold disabled it, a banner says when and why,
 * with the button that enables it again (which also starts its error count from zero).
 */
export function HealthPanel({ health, enabled, onEnable, enabling, enableError }) {
  const known = new Set(HEALTH_ROWS.map(([name]) => name));
  const extra = Object.keys(health).filter((name) => !known.has(name)).map((name) => [name, labelOfName(name), name.endsWith('At') ? 'time' : undefined]);
  const disabled = health.disabledAutomaticallyAt && !enabled;
  return html`<section class="card health" aria-labelledby="health-title">
    <h2 id="health-title">Health</h2>
    ${disabled && html`<div class="form-error health-banner" role="alert">
      <p><strong>Disabled automatically</strong> at <${Time} value=${health.disabledAutomaticallyAt} />
        ${` after ${health.incomingErrors} consecutive incoming ${health.incomingErrors === 1 ? 'error' : 'errors'}: `}
        <span class="error-text">${health.lastIncomingError ?? 'no error recorded'}</span></p>
      <p>The mailbox is not checked until it is enabled again.</p>
      <button type="button" class="primary" onClick=${onEnable} disabled=${enabling}>Enable again</button>
      ${enableError && html`<span class="error"> ${enableError.message}</span>`}
    </div>`}
    <dl class="facts">${[...HEALTH_ROWS, ...extra].map(([name, label, kind]) => html`<dt>${label}</dt><dd data-field=${name}><${Value} value=${health[name]} kind=${kind} /></dd>`)}</dl>
  </section>`;
}
