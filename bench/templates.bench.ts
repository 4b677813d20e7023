/**
 * Message template benchmark: what rendering costs per message, and what the worst templates an admin can save cost
 * before the sandbox stops them.
 *
 *   npm run bench:templates
 *
 * Environment (optional): BENCH_RENDERS  renders per kind (default 20000)
 *                         BENCH_RUNS     timed runs per hostile template (default 5; the worst is printed)
 *
 * 1. Each destination kind's built-in `triggered` template, rendered with a hostile 200-character title and a
 *    1,000-character description (escaping included, as a bot message): renders/s, p50/p99/max µs.
 * 2. Templates that parse but run away (huge loops, nested loops, doubling strings, giant output …): how long one
 *    render holds the event loop before the sandbox stops it (the fallback to the built-in template comes after).
 * 3. Heap after 200,000 renders of 2,000 different sources (the parse cache is bounded).
 * Prints figures and exits 0.
 */
import { performance } from 'node:perf_hooks';
import type { Database } from '../src/db/database.js';
import { TEMPLATE_KINDS } from '../src/domain/message-template.js';
import { LocalHolds } from '../src/lib/holds.js';
import { createLogger } from '../src/lib/logger.js';
import { WebhookBotSender } from '../src/platforms/webhook-bots/webhook-bot-sender.js';
import { BuiltInTemplates } from '../src/services/templates/built-in-templates.js';
import { MessageTemplateRenderer } from '../src/services/templates/message-template-renderer.js';
import { sampleVariables } from '../src/services/templates/template-contexts.js';
import { templateMarkups } from '../src/services/templates/template-markups.js';
import { TemplateSandbox } from '../src/services/templates/template-sandbox.js';
import { alertTexts } from '../src/services/templates/template-variables.js';
import { f1, intEnv, latencyFigures } from './bench-support.js';

const RENDERS = intEnv('BENCH_RENDERS', 20_000, 100, 1_000_000);
const RUNS = intEnv('BENCH_RUNS', 5, 1, 100);

const HOSTILE = '<at user_id="all">all</at> <!channel> [x](http://evil.example) <b>&amp;</b> *_~`# ';
const texts = alertTexts(HOSTILE.repeat(10), `${HOSTILE.repeat(30)}\n`.repeat(3));
const variables = sampleVariables({ id: 1, name: 'ops <team>', timeZone: 'Europe/Berlin' }, 'triggered');
variables.incident = { ...variables.incident, ...texts, responders: ['Ann <a@x>', 'Bob & Co'] };

const sandbox = new TemplateSandbox();
const builtIns = new BuiltInTemplates();
// renderSource and renderBuiltIn read no database.
const renderer = new MessageTemplateRenderer(undefined as unknown as Database, sandbox, builtIns, templateMarkups(new WebhookBotSender()), createLogger('silent'), new LocalHolds());

console.log(`built-in 'triggered' template per kind, ${RENDERS} renders each (hostile title ${texts.title.length} chars, description ${texts.description.length})`);
for (const kind of TEMPLATE_KINDS) {
  for (let i = 0; i < 500; i++) renderer.renderBuiltIn(kind, 'triggered', variables);
  const times: number[] = [];
  const started = performance.now();
  for (let i = 0; i < RENDERS; i++) {
    const t0 = performance.now();
    renderer.renderBuiltIn(kind, 'triggered', variables);
    times.push((performance.now() - t0) * 1000);
  }
  const total = performance.now() - started;
  const figures = latencyFigures(times);
  console.log(`  ${kind.padEnd(10)} ${f1(RENDERS / (total / 1000)).padStart(9)} renders/s   p50 ${f1(figures.p50).padStart(6)} µs   p99 ${f1(figures.p99).padStart(6)} µs   max ${f1(figures.max).padStart(7)} µs`);
}

const RUNAWAY: Record<string, string> = {
  'for over (1..1e8)': '{% for i in (1..100000000) %}{{ i }}{% endfor %}',
  'three nested for (1..1000)': '{% for i in (1..1000) %}{% for j in (1..1000) %}{% for k in (1..1000) %}x{% endfor %}{% endfor %}{% endfor %}',
  'string doubled 40 times': '{% assign s = "xxxxxxxxxx" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}',
  'title 20,000 times': '{% for i in (1..20000) %}{{ incident.title }}{% endfor %}',
  'nested if x300 (near max source)': `${'{% if incident.id %}'.repeat(300)}x${'{% endif %}'.repeat(300)}`,
  'include of a file': "{% include '/etc/passwd' %}",
  'prototype walk': '{{ incident.constructor.name }}',
};
console.log(`\nrunaway templates: event loop held by one render until stopped (worst of ${RUNS})`);
for (const [name, source] of Object.entries(RUNAWAY)) {
  let worst = 0;
  let outcome = '';
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    try {
      renderer.renderSource(source, 'slack', variables);
      outcome = 'rendered';
    } catch (error) {
      outcome = (error as Error).message.slice(0, 60);
    }
    worst = Math.max(worst, performance.now() - t0);
  }
  console.log(`  ${name.padEnd(30)} ${f1(worst).padStart(7)} ms   ${outcome}`);
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
gc();
const before = process.memoryUsage().heapUsed;
let stopped = 0;
for (let i = 0; i < 200_000; i++) {
  try {
    renderer.renderSource(`{{ incident.title }} #${i % 2000}`, 'zoom', variables);
  } catch {
    // Only a time limit can stop this template: a pause of the whole process (GC, a busy machine).
    stopped += 1;
  }
}
gc();
console.log(`\nheap after 200,000 renders of 2,000 sources: ${f1((process.memoryUsage().heapUsed - before) / 1024 / 1024)} MB more; ${stopped} stopped by the time limit`);
