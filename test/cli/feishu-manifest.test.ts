/**
 * `npm run manifest:feishu` prints app.json and the install guide filled in for the deployment. The command is
 * `feishuManifestOutput(process.argv.slice(2))` written to stdout; here it gets the environment an admin would set.
 */
import { feishuManifestOutput } from '../../src/cli/feishu-manifest-output.js';

const BASE = 'https://oncall.example.com';
const APP = { FEISHU_APP_ID: 'cli_a1b2c3', FEISHU_APP_SECRET: 'secret', FEISHU_VERIFICATION_TOKEN: 'vt' };

/** The printed JSON manifest, and the guide after the separator line. */
function parts(output: string): { manifest: any; heading: string; guide: string } {
  const separator = output.indexOf('\n----- Install guide');
  expect(separator).toBeGreaterThan(0);
  const rest = output.slice(separator + 1);
  const headingEnd = rest.indexOf('\n');
  return { manifest: JSON.parse(output.slice(0, separator)), heading: rest.slice(0, headingEnd), guide: rest.slice(headingEnd + 1) };
}

describe('npm run manifest:feishu', () => {
  it('webhook mode (the default): the request URLs and the guide carry the base URL, and only the webhook steps', () => {
    const { manifest, heading, guide } = parts(feishuManifestOutput([], { PUBLIC_BASE_URL: `${BASE}/` }));
    expect(manifest.event_subscription).toEqual({ request_url_http_mode: `${BASE}/feishu/events`, events: ['im.message.receive_v1', 'im.chat.member.bot.added_v1', 'im.chat.member.bot.deleted_v1'] });
    expect(manifest.callbacks).toEqual({ request_url_http_mode: `${BASE}/feishu/events`, callbacks: ['card.action.trigger'] });
    expect(manifest.scopes.tenant.map((scope: { scope: string }) => scope.scope)).toContain('im:message:send_as_bot');
    expect(heading).toBe(`----- Install guide, filled in for ${BASE} (webhook mode, callbacks at ${BASE}/feishu/events) -----`);

    expect(guide).toContain('# Installing the oncall-im Feishu / Lark app');
    expect(guide).toContain(`with request URL \`${BASE}/feishu/events\` (Feishu verifies it at once)`);
    expect(guide).toContain('8. **Link people.**');
    expect(guide).not.toContain('Long-connection mode');
    expect(guide).not.toContain('persistent connection');
    expect(guide).not.toMatch(/PUBLIC_BASE_URL[>}]/);
    expect(JSON.stringify(manifest)).not.toContain('${PUBLIC_BASE_URL}');
  });

  it('long-connection mode, by --websocket before the app exists or FEISHU_CONNECTION once it does: no request URL at all', () => {
    const byFlag = feishuManifestOutput(['--websocket'], { PUBLIC_BASE_URL: BASE });
    const byConfig = feishuManifestOutput([], { PUBLIC_BASE_URL: BASE, ...APP, FEISHU_CONNECTION: 'websocket' });
    expect(byConfig).toBe(byFlag);

    const { manifest, heading, guide } = parts(byFlag);
    expect(manifest.event_subscription).toEqual({ mode: 'persistent connection (no request URL)', events: expect.arrayContaining(['im.message.receive_v1']) });
    expect(manifest.callbacks).toEqual({ mode: 'persistent connection (no request URL)', callbacks: ['card.action.trigger'] });
    expect(heading).toBe(`----- Install guide, filled in for ${BASE} (long-connection mode, no request URL) -----`);
    expect(guide).toContain('Long-connection mode (`FEISHU_CONNECTION=websocket`, no public URL needed)');
    expect(guide).not.toContain('/feishu/events');
    expect(guide).not.toContain('   - Webhook mode');
    expect(guide).toContain('   - Add the events `im.message.receive_v1`');
  });

  it('without PUBLIC_BASE_URL the URL is the local default the service would use', () => {
    const { manifest } = parts(feishuManifestOutput([], { PORT: '9090' }));
    expect(manifest.callbacks.request_url_http_mode).toBe('http://localhost:9090/feishu/events');
  });
});
