/**
 * Runs the whole service in a child process, for tests that kill it with SIGKILL (kill -9).
 *
 *   ESCALATION_CHILD_CONFIG='<AppConfig as JSON>' node test/escalation/escalation-child.mjs
 *
 * Prints `READY <url>` on stdout once the service listens. The project's TypeScript is loaded straight from src/:
 * this file registers itself as an ESM loader (its resolve/load hooks run in Node's loader thread) that maps
 * `./x.js` imports onto `./x.ts` and transpiles them with the project's own `typescript` (no type checking).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

const require = createRequire(import.meta.url);

// ---- loader hooks (loader thread) --------------------------------------------------------------

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
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      inlineSourceMap: true,
      inlineSources: true,
    },
  });
  return { format: 'module', source: output.outputText, shortCircuit: true };
}

// ---- the service (main thread) -----------------------------------------------------------------

if (isMainThread) {
  register(import.meta.url);
  const config = JSON.parse(process.env.ESCALATION_CHILD_CONFIG ?? '{}');
  const root = new URL('../../', import.meta.url);
  const { startService } = await import(new URL('src/service.ts', root).href);
  const { createLogger } = await import(new URL('src/lib/logger.ts', root).href);
  const service = await startService(config, createLogger(config.logLevel ?? 'silent'));
  process.stdout.write(`READY ${service.url}\n`);
  const stop = async () => {
    await service.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
}
