/**
 * The Details page's stylesheet and its one small script, served as files from the app (the CSP allows no inline
 * style or script). Kept as modules so the build ships them with the compiled service.
 */

export const DETAILS_PAGE_STYLE_PATH = '/assets/details-page.css';
export const DETAILS_PAGE_SCRIPT_PATH = '/assets/details-page.js';

export const DETAILS_PAGE_CSS = `:root{color-scheme:light dark;--fg:#1d1d1f;--muted:#5f6368;--bg:#fff;--card:#f5f6f8;--line:#dfe1e5;--link:#0b57d0;--alarm:#c5221f}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--muted:#a8adb4;--bg:#121314;--card:#1e1f21;--line:#3c4043;--link:#8ab4f8;--alarm:#f28b82}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"PingFang SC","Microsoft YaHei",sans-serif;-webkit-text-size-adjust:100%}
main{max-width:860px;margin:0 auto;padding:12px 16px 48px}
a{color:var(--link);overflow-wrap:anywhere}
h1{font-size:1.35rem;line-height:1.3;margin:.25rem 0 .75rem;overflow-wrap:anywhere}
h2{font-size:1.05rem;margin:1.5rem 0 .5rem}
.count{font-weight:normal;color:var(--muted);font-size:.9rem}
.badges{margin:0;display:flex;gap:.4rem;align-items:center;flex-wrap:wrap}
.badge{display:inline-block;border-radius:999px;padding:.1rem .6rem;font-size:.85rem;font-weight:600;color:#fff;background:#5f6368}
.status-triggered{background:#c5221f}.status-acknowledged{background:#b06000}.status-closed{background:#188038}
.severity-critical{background:#a50e0e}.severity-warning{background:#e37400}.severity-info{background:#1967d2}
.alert-firing{background:#c5221f}.alert-resolved{background:#188038}
.id{color:var(--muted)}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}
.facts dt{color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere}
.ago,.platform,.none,.meta,.note,footer{color:var(--muted);font-size:.9rem}
.not-reached{color:var(--alarm);font-weight:600}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0}
.actions form{margin:0}
button,.button{display:inline-block;min-height:44px;padding:.55rem 1rem;border-radius:8px;border:1px solid var(--line);background:var(--card);color:var(--fg);font:inherit;font-weight:600;text-decoration:none;cursor:pointer}
button:focus-visible,a:focus-visible,summary:focus-visible,.description:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.action-result{flex-basis:100%;margin:0}
.links{list-style:none;padding:0;margin:1rem 0;display:flex;flex-wrap:wrap;gap:.5rem}
.description{background:var(--card);border-radius:8px;padding:.25rem 1rem;max-height:22rem;overflow:auto;overflow-wrap:anywhere}
.description pre,pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem}
.description code{font-size:.9em}
.timeline,.alerts{list-style:none;padding:0;margin:0}
.timeline li,.alerts li{border-left:3px solid var(--line);padding:.35rem 0 .35rem .75rem;margin:.35rem 0}
.timeline .what{font-weight:600}
.timeline .kind-triggered,.timeline .kind-escalated,.timeline .kind-not_reached{border-color:#c5221f}
.timeline .kind-reached{border-color:#188038}
.timeline .kind-acknowledged{border-color:#b06000}.timeline .kind-closed{border-color:#188038}
.alerts p{margin:.2rem 0}
details summary{cursor:pointer;color:var(--link);min-height:32px}
details pre{background:var(--card);padding:.75rem;border-radius:6px;max-height:24rem;overflow:auto}
.message{padding-top:20vh;text-align:center}
@media (max-width:480px){.facts{gap:.25rem .75rem}.facts dt{font-size:.9rem}h1{font-size:1.2rem}main{padding:8px 12px 40px}}
`;

/** Sends an action form to the admin API as JSON (with the console's CSRF token, when the page carries one). */
export const DETAILS_PAGE_JS = `'use strict';
document.addEventListener('submit', async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.dataset.body === undefined) return;
  event.preventDefault();
  const status = document.querySelector('.action-result');
  const buttons = form.parentElement.querySelectorAll('button');
  const headers = { 'content-type': 'application/json' };
  const csrf = document.querySelector('meta[name="csrf-token"]');
  if (csrf) headers['x-csrf-token'] = csrf.content;
  buttons.forEach((button) => { button.disabled = true; });
  try {
    const response = await fetch(form.action, { method: 'POST', credentials: 'same-origin', headers, body: form.dataset.body });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) status.textContent = (answer.error && answer.error.message) || 'Not done (HTTP ' + response.status + ')';
    else if (answer.outcome === 'skipped') status.textContent = 'Not escalated: ' + answer.reason;
    else return location.reload();
  } catch {
    status.textContent = 'Not sent: the service did not answer. Try again.';
  }
  buttons.forEach((button) => { button.disabled = false; });
});
`;
