import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/config.js';
import { findProjectRoot } from '../lib/project-root.js';

/** The bullet of the guide's step 5 for each connection mode; the printed guide keeps the deployment's only. */
const MODE_BULLETS = { webhook: '   - Webhook mode', websocket: '   - Long-connection mode' } as const;

/**
 * What `npm run manifest:feishu` prints: app.json and the install guide, filled in with the deployment's base URL
 * and set up for its connection mode (FEISHU_CONNECTION once the app is configured, or `--websocket` before).
 */
export function feishuManifestOutput(argv: string[], env?: Record<string, string | undefined>, root = findProjectRoot()): string {
  const config = loadConfig(env);
  const mode = argv.includes('--websocket') || config.feishu?.connection === 'websocket' ? 'websocket' : 'webhook';
  const fill = (text: string) => text.replaceAll('${PUBLIC_BASE_URL}', config.publicBaseUrl).replaceAll('<PUBLIC_BASE_URL>', config.publicBaseUrl);

  const manifest = JSON.parse(fill(readFileSync(join(root, 'app-manifests/feishu/app.json'), 'utf8')));
  if (mode === 'websocket') {
    for (const section of [manifest.event_subscription, manifest.callbacks]) {
      delete section.request_url_http_mode;
      section.mode = 'persistent connection (no request URL)';
    }
  }
  const guide = withoutBullet(fill(readFileSync(join(root, 'app-manifests/feishu/INSTALL.md'), 'utf8')), MODE_BULLETS[mode === 'websocket' ? 'webhook' : 'websocket']);
  const where = mode === 'websocket' ? 'long-connection mode, no request URL' : `webhook mode, callbacks at ${config.publicBaseUrl}/feishu/events`;
  return [JSON.stringify(manifest, null, 2), '', `----- Install guide, filled in for ${config.publicBaseUrl} (${where}) -----`, '', guide].join('\n');
}

/** Drops the list item starting with `prefix` and its continuation lines (indented deeper than the item). */
function withoutBullet(markdown: string, prefix: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith(prefix));
  if (start < 0) return markdown;
  let end = start + 1;
  while (end < lines.length && /^ {5,}\S/.test(lines[end])) end++;
  return [...lines.slice(0, start), ...lines.slice(end)].join('\n');
}
