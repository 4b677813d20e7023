import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/config.js';
import { findProjectRoot } from '../lib/project-root.js';

/**
 * Prints the Slack app manifest with this deployment's URL filled in, or set up for Socket Mode with `--socket`
 * (the manifest comes before the app's tokens, so SLACK_CONNECTION alone, without SLACK_BOT_TOKEN, is not enough).
 */
const config = loadConfig();
const socketMode = process.argv.includes('--socket') || config.slack?.connection === 'socket';
let manifest = readFileSync(join(findProjectRoot(), 'app-manifests/slack/manifest.yaml'), 'utf8');
if (socketMode) {
  // Socket Mode: Slack needs no request URLs at all.
  manifest = manifest
    .split('\n')
    .filter((line) => !/^\s*(url|request_url): \$\{PUBLIC_BASE_URL\}/.test(line))
    .join('\n')
    .replace('socket_mode_enabled: false', 'socket_mode_enabled: true');
}
process.stdout.write(manifest.replaceAll('${PUBLIC_BASE_URL}', config.publicBaseUrl));
