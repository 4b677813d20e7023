import { createHash } from 'node:crypto';
import { IMPORT_MAP } from './console-assets.js';

const importMapText = JSON.stringify(IMPORT_MAP);
const importMapHash = createHash('sha256').update(importMapText).digest('base64');

/**
 * No inline script runs: the import map is the page's only inline <script> and is allowed by its hash (an import
 * map executes nothing). Styles come only from the stylesheet; Preact sets element styles through the DOM.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  `script-src 'self' 'sha256-${importMapHash}'`,
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The console's one HTML page, a shell the modules render into (paths relative to /console/). */
export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>oncall-im console</title>
<link rel="stylesheet" href="./assets/console.css">
<link rel="icon" href="data:,">
<script type="importmap">${importMapText}</script>
<script type="module" src="./assets/main.js"></script>
</head>
<body>
<div id="app"><noscript>The oncall-im console needs JavaScript.</noscript></div>
</body>
</html>
`;

/** What GET / shows: where to go from here. */
export const HOME_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>oncall-im</title>
<link rel="stylesheet" href="/console/assets/console.css"></head>
<body class="home"><main class="home-card"><h1>oncall-im</h1><p>The on-call service is running.</p>
<ul><li><a href="/console/">Admin console</a></li><li><a href="/api/v1/openapi.json">Admin API (OpenAPI document)</a></li><li><a href="/readyz">Readiness</a></li></ul></main></body>
</html>
`;
