/**
 * `npm run manifest:slack` (src/cli/slack-manifest.ts), run as a child process the way an admin runs it, its YAML
 * parsed: the deployment's base URL in every URL, `--socket` (or SLACK_CONNECTION=socket) without request URLs and
 * with Socket Mode on, the app's DM open for commands, and bot scopes that are exactly what the code needs — derived
 * from the Web API methods src/platforms/slack calls, the slash command and the subscribed events.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { promisify } from 'node:util';
import { MANIFEST_SCOPES } from '../fakes/slack-web-api.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUNNER = join(ROOT, 'test/support/run-ts.mjs');
const CLI = 'src/cli/slack-manifest.ts';
const SLACK_SOURCES = join(ROOT, 'src/platforms/slack');

/** The scopes Slack's method reference names for each Web API method the app calls. */
const METHOD_SCOPES: Record<string, string[]> = {
  'auth.test': [],
  // chat:write.public as well: posts to public channels bound through the admin API without the bot invited
  'chat.postMessage': ['chat:write', 'chat:write.public'],
  'chat.update': ['chat:write'],
  'users.info': ['users:read'],
  'users.lookupByEmail': ['users:read.email'],
};
/** What Slack's event reference asks for each bot event (public and private channels). */
const EVENT_SCOPES: Record<string, string[]> = {
  member_joined_channel: ['channels:read', 'groups:read'],
  member_left_channel: ['channels:read', 'groups:read'],
  channel_left: ['channels:read'],
  group_left: ['groups:read'],
};

const runCli = promisify(execFile);

/** Prints the manifest with only the given environment (plus PATH), as `npm run manifest:slack [-- args]` would. */
async function printManifest(env: Record<string, string>, args: string[] = []): Promise<{ text: string; manifest: any }> {
  const { stdout } = await runCli(process.execPath, [RUNNER, CLI, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 });
  return { text: stdout, manifest: parseYaml(stdout) };
}

/** Every `url` / `request_url` value in the manifest, with where it is. */
function urlsIn(node: unknown, at = ''): Array<{ at: string; url: unknown }> {
  if (Array.isArray(node)) return node.flatMap((item, index) => urlsIn(item, `${at}[${index}]`));
  if (!node || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'url' || key === 'request_url' ? [{ at: `${at}.${key}`, url: value }] : urlsIn(value, `${at}.${key}`),
  );
}

/** `client.<family>.<method>(` calls in src/platforms/slack, as Web API method names. */
function webApiMethodsCalled(): string[] {
  const methods = new Set<string>();
  for (const file of readdirSync(SLACK_SOURCES).filter((name) => name.endsWith('.ts'))) {
    const source = readFileSync(join(SLACK_SOURCES, file), 'utf8');
    for (const match of source.matchAll(/\bclient\.(\w+)\.(\w+)\(/g)) methods.add(`${match[1]}.${match[2]}`);
  }
  return [...methods].sort();
}

describe('manifest:slack', () => {
  it('fills the base URL into every URL, keeps Socket Mode off, and opens the app’s DM for commands', async () => {
    const { text, manifest } = await printManifest({ PUBLIC_BASE_URL: 'https://oncall.example.com/team-a/' });
    expect(text).not.toContain('${');
    const urls = urlsIn(manifest);
    expect(urls.map((entry) => entry.at).sort()).toEqual(['.features.slash_commands[0].url', '.settings.event_subscriptions.request_url', '.settings.interactivity.request_url']);
    for (const entry of urls) expect(entry.url).toBe('https://oncall.example.com/team-a/slack/events');

    expect(manifest.settings.socket_mode_enabled).toBe(false);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.features.slash_commands).toEqual([expect.objectContaining({ command: '/oncall', should_escape: false })]);
    expect(manifest.features.app_home).toEqual({ home_tab_enabled: false, messages_tab_enabled: true, messages_tab_read_only_enabled: false });
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual(Object.keys(EVENT_SCOPES).sort());
  });

  it('--socket, or SLACK_CONNECTION=socket with the tokens, drops every request URL and turns Socket Mode on', async () => {
    const http = (await printManifest({ PUBLIC_BASE_URL: 'https://oncall.example.com' })).manifest;
    const flag = await printManifest({ PUBLIC_BASE_URL: 'https://oncall.example.com' }, ['--socket']);
    const configured = await printManifest({ SLACK_BOT_TOKEN: 'xoxb-1-test', SLACK_APP_TOKEN: 'xapp-1-test', SLACK_CONNECTION: 'socket' });

    for (const { text, manifest } of [flag, configured]) {
      expect(urlsIn(manifest)).toEqual([]);
      expect(text).not.toMatch(/https?:\/\/|\$\{/);
      expect(manifest.settings.socket_mode_enabled).toBe(true);
      // Apart from the URLs and the switch, the same app.
      const { url: _url, ...command } = http.features.slash_commands[0];
      expect(manifest.features.slash_commands).toEqual([command]);
      expect(manifest.settings.interactivity).toEqual({ is_enabled: true });
      expect(manifest.settings.event_subscriptions).toEqual({ bot_events: http.settings.event_subscriptions.bot_events });
      expect(manifest.oauth_config).toEqual(http.oauth_config);
      expect(manifest.features.app_home).toEqual(http.features.app_home);
    }
  });

  it('asks for exactly the bot scopes the code uses: its Web API methods, the slash command and its events', async () => {
    const { manifest } = await printManifest({ PUBLIC_BASE_URL: 'https://oncall.example.com' });
    const methods = webApiMethodsCalled();
    // A method called that this table does not know must be added to it (and its scope to the manifest).
    expect(methods).toEqual(Object.keys(METHOD_SCOPES).sort());

    const needed = new Set<string>(methods.flatMap((method) => METHOD_SCOPES[method]));
    if (manifest.features.slash_commands?.length) needed.add('commands');
    for (const event of manifest.settings.event_subscriptions.bot_events as string[]) {
      expect(EVENT_SCOPES[event]).toBeDefined();
      for (const scope of EVENT_SCOPES[event]) needed.add(scope);
    }
    const asked: string[] = manifest.oauth_config.scopes.bot;
    expect(new Set(asked).size).toBe(asked.length);
    expect([...asked].sort()).toEqual([...needed].sort());
    // The fake Slack grants the manifest's scopes by default: it must not drift from the manifest.
    expect([...MANIFEST_SCOPES].sort()).toEqual([...asked].sort());
  });
});
