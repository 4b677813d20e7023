import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { findProjectRoot } from '../../lib/project-root.js';

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The browser modules of the console, and the libraries they import (served from node_modules, no build step). */
const VENDOR_FILES: Record<string, string> = {
  'preact.mjs': 'node_modules/preact/dist/preact.mjs',
  'preact-hooks.mjs': 'node_modules/preact/hooks/dist/hooks.mjs',
  'htm.mjs': 'node_modules/htm/dist/htm.mjs',
};

/** Bare module names the console imports, mapped (by the page's import map) to the vendor files above. */
export const IMPORT_MAP = { imports: { preact: './vendor/preact.mjs', 'preact/hooks': './vendor/preact-hooks.mjs', htm: './vendor/htm.mjs' } };

function asset(body: Buffer, path: string): Asset {
  return { body, type: TYPES[extname(path)] ?? 'application/octet-stream', etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]));
}

/**
 * Every file the console serves, read once at start: `assets/<path>` from src/http/console/ui (kept as source, run
 * as is by the browser) and `vendor/<name>`. Only these names are served: a request cannot reach another file.
 */
export function loadConsoleAssets(): Map<string, Asset> {
  const root = findProjectRoot();
  const ui = join(root, 'src', 'http', 'console', 'ui');
  const assets = new Map<string, Asset>();
  for (const file of listFiles(ui)) {
    const name = relative(ui, file).split('\\').join('/');
    if (TYPES[extname(name)]) assets.set(`assets/${name}`, asset(readFileSync(file), name));
  }
  for (const [name, path] of Object.entries(VENDOR_FILES)) assets.set(`vendor/${name}`, asset(readFileSync(join(root, path)), name));
  return assets;
}
