/**
 * Runs one of the project's TypeScript entry points (a CLI in src/cli) the way `node dist/…js` would, without a build:
 *
 *   node test/support/run-ts.mjs src/cli/slack-manifest.ts --socket
 *
 * Registers itself as an ESM loader (its hooks run in Node's loader thread) that maps `./x.js` imports onto `./x.ts`
 * and transpiles them with the project's own `typescript` (no type checking), as test/escalation/escalation-child.mjs does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

const require = createRequire(import.meta.url);

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (parent?.startsWith('file:') && parent.endsWith('.ts') && /^\.{1,2}\//.test(specifier) && specifier.endsWith('.js')) {
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), parent);
    if (!existsSync(fileURLToPath(new URL(specifier, parent))) && existsSync(fileURLToPath(candidate))) {
      return { url: candidate.href, shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}

let ts;
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  ts ??= require('typescript');
  const file = fileURLToPath(url);
  const output = ts.transpileModule(readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true, inlineSourceMap: true },
  });
  return { format: 'module', source: output.outputText, shortCircuit: true };
}

if (isMainThread) {
  const entry = process.argv[2];
  if (!entry) {
    process.stderr.write('usage: node test/support/run-ts.mjs <entry.ts> [args…]\n');
    process.exit(2);
  }
  register(import.meta.url);
  await import(pathToFileURL(resolvePath(entry)).href);
}
