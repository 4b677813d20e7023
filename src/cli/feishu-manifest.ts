import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/config.js';
import { findProjectRoot } from '../lib/project-root.js';

/** Prints the Feishu app manifest with this deployment's URLs filled in. */
const config = loadConfig();
const root = findProjectRoot();
const manifest = JSON.parse(
  readFileSync(join(root, 'app-manifests/feishu/app.json'), 'utf8').replaceAll('${PUBLIC_BASE_URL}', config.publicBaseUrl),
);
const websocket = config.feishu?.connection === 'websocket';
for (const section of [manifest.event_subscription, manifest.callbacks]) {
  if (websocket) {
    delete section.request_url_http_mode;
    section.mode = 'persistent connection (no request URL)';
  }
}
process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n\nInstall guide: ${join(root, 'app-manifests/feishu/INSTALL.md')}\n`);
