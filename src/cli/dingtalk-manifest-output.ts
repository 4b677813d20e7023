import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/config.js';
import { findProjectRoot } from '../lib/project-root.js';

/** What a value not configured yet reads as in the printed manifest. */
const NOT_SET = '(not set yet)';

/**
 * What `npm run manifest:dingtalk` prints: app.json and the install guide, filled in with the deployment's base URL
 * and, once they are set, the app's client id, robot code and card template id (never the secret).
 */
export function dingtalkManifestOutput(env?: Record<string, string | undefined>, root = findProjectRoot()): string {
  const config = loadConfig(env);
  const values: Record<string, string> = {
    PUBLIC_BASE_URL: config.publicBaseUrl,
    DINGTALK_CLIENT_ID: config.dingtalk?.clientId ?? NOT_SET,
    DINGTALK_ROBOT_CODE: config.dingtalk?.robotCode ?? NOT_SET,
    DINGTALK_CARD_TEMPLATE_ID: config.dingtalk?.cardTemplateId ?? NOT_SET,
  };
  const fill = (text: string) => text.replace(/\$\{(\w+)\}|<PUBLIC_BASE_URL>/g, (whole, name?: string) => (name ? (values[name] ?? whole) : values.PUBLIC_BASE_URL));
  const manifest = JSON.parse(fill(readFileSync(join(root, 'app-manifests/dingtalk/app.json'), 'utf8')));
  const guide = fill(readFileSync(join(root, 'app-manifests/dingtalk/INSTALL.md'), 'utf8'));
  return [JSON.stringify(manifest, null, 2), '', `----- Install guide, filled in for ${config.publicBaseUrl} (Stream mode, no request URL) -----`, '', guide].join('\n');
}
