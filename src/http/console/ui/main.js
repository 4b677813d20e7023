import { html, render, useEffect, useLayoutEffect, useState } from './lib.js';
import { onSignedOut, session, setCsrfToken } from './api.js';
import { useRoute } from './router.js';
import { SignInPage } from './pages/sign-in.js';
import { IncidentsPage } from './pages/incidents.js';
import { IncidentPage } from './pages/incident.js';
import { ChannelsPage } from './pages/channels.js';
import { ChannelPage } from './pages/channel.js';
import { IntegrationsPage } from './pages/integrations.js';
import { IntegrationPage } from './pages/integration.js';
import { EscalationRulePage } from './pages/escalation-rule.js';
import { MembersPage } from './pages/members.js';
import { MappingTablesPage } from './pages/mapping-tables.js';
import { MemberPage } from './pages/member.js';
import { SettingsPage } from './pages/settings.js';

const NAV = [
  ['incidents', 'Incidents'],
  ['channels', 'Channels'],
  ['integrations', 'Integrations'],
  ['members', 'Members'],
  ['mapping-tables', 'Mapping tables'],
  ['settings', 'Settings'],
];

function pageFor({ parts, query }) {
  const [section, id, sub, subId] = parts;
  if (section === 'incidents' && id) return html`<${IncidentPage} key=${id} id=${id} />`;
  if (section === 'incidents') return html`<${IncidentsPage} query=${query} />`;
  if (section === 'channels' && id && sub === 'rules') return html`<${EscalationRulePage} key=${`${id}/${subId}`} channelId=${id} ruleId=${subId} />`;
  if (section === 'channels' && id) return html`<${ChannelPage} key=${id} id=${id} />`;
  if (section === 'channels') return html`<${ChannelsPage} />`;
  if (section === 'integrations' && id) return html`<${IntegrationPage} key=${id} id=${id} />`;
  if (section === 'integrations') return html`<${IntegrationsPage} />`;
  if (section === 'members' && id) return html`<${MemberPage} key=${id} id=${id} />`;
  if (section === 'members') return html`<${MembersPage} />`;
  if (section === 'mapping-tables') return html`<${MappingTablesPage} openId=${id} />`;
  if (section === 'settings') return html`<${SettingsPage} />`;
  return html`<section class="page"><h1>Not found</h1><p>There is no such page. <a href="#/incidents">Go to incidents</a>.</p></section>`;
}

function Console({ onSignOut }) {
  const route = useRoute();
  const section = route.parts[0] ?? 'incidents';
  // Before the new page is painted, so no key press can land on the old focus in between.
  useLayoutEffect(() => {
    document.getElementById('main')?.focus();
  }, [route.parts.join('/')]);
  return html`<div class="shell">
    <a class="skip" href="#main" onClick=${(event) => { event.preventDefault(); document.getElementById('main').focus(); }}>Skip to content</a>
    <header class="topbar">
      <a class="brand" href="#/incidents">oncall-im</a>
      <nav aria-label="Sections"><ul>
        ${NAV.map(([path, label]) => html`<li><a href=${`#/${path}`} aria-current=${section === path ? 'page' : undefined}>${label}</a></li>`)}
      </ul></nav>
      <button type="button" class="link sign-out" onClick=${onSignOut}>Sign out</button>
    </header>
    <main id="main" tabindex="-1">${pageFor(route)}</main>
  </div>`;
}

function App() {
  const [state, setState] = useState({ checked: false, signedIn: false, note: '' });
  useEffect(() => {
    session
      .status()
      .then((answer) => {
        setCsrfToken(answer.csrfToken);
        setState({ checked: true, signedIn: answer.signedIn, note: '' });
      })
      // A 503 says what is away (Redis, the database); anything else gets the plain note.
      .catch((error) => setState({ checked: true, signedIn: false, note: error?.status === 503 ? error.message : 'The service did not answer; try again.' }));
    return onSignedOut(() => {
      setCsrfToken('');
      setState({ checked: true, signedIn: false, note: 'Your session has ended. Sign in again.' });
    });
  }, []);
  const signedIn = (answer) => {
    setCsrfToken(answer.csrfToken);
    setState({ checked: true, signedIn: true, note: '' });
  };
  const signOut = async () => {
    await session.signOut().catch(() => undefined);
    setCsrfToken('');
    setState({ checked: true, signedIn: false, note: 'You are signed out.' });
  };
  if (!state.checked) return html`<p class="loading" role="status">Loading…</p>`;
  return state.signedIn ? html`<${Console} onSignOut=${signOut} />` : html`<${SignInPage} note=${state.note} onSignedIn=${signedIn} />`;
}

render(html`<${App} />`, document.getElementById('app'));
