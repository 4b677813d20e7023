/**
 * Regex benchmark: what an admin-supplied pattern can cost the event loop, now that patterns run on RE2 (re2js).
 *
 *   npm run bench:regex
 *
 * Environment (optional): BENCH_RUNS   timed runs per figure (default 5; the worst is printed with the median)
 *
 * For each pattern: its RE2 program size, then test() (conditions) and exec() (Alert Key extraction) over a
 * 512-character title and a 21 000-character description (the longest text intake keeps). The adversarial
 * patterns are the costliest shapes found that still fit under MAX_PROGRAM_SIZE. Last, V8's backtracking engine
 * on ^(a+)+$ for growing n, to show what the service escaped (kept small: it doubles with every character).
 * Prints figures and exits 0.
 */
import { performance } from 'node:perf_hooks';
import { RE2JS } from 're2js';
import { ALERT_KEY_SCAN_CHARS, extractAlertKey } from '../src/domain/push-modes.js';
import type { PushRule } from '../src/domain/integration-settings.js';
import { MAX_PROGRAM_SIZE, compileLinearRegex } from '../src/lib/linear-regex.js';
import { f1, intEnv } from './bench-support.js';

const RUNS = intEnv('BENCH_RUNS', 5, 1, 100);

const TEXTS = {
  'title 512': 'a'.repeat(511) + '!',
  'words 21k': Array.from({ length: 21_000 }, (_, i) => 'ab c'[Math.imul(i, 2654435761) >>> 30]).join(''),
  'ab 21k': Array.from({ length: 21_000 }, (_, i) => 'ab'[Math.imul(i, 2654435761) >>> 31]).join(''),
};

/** The largest n for which `shape(n)` fits under the cap. */
function largest(shape: (n: number) => string): string {
  let best = shape(1);
  for (let n = 1; n <= 1000; n++) {
    try {
      if (RE2JS.compile(RE2JS.translateRegExp(shape(n))).programSize() > MAX_PROGRAM_SIZE) break;
      best = shape(n);
    } catch {
      break;
    }
  }
  return best;
}

const PATTERNS: Array<[string, string]> = [
  ['catastrophic on V8', '^(a+)+$'],
  ['Alertmanager key', '(?i)^\\[(FIRING|RESOLVED)(:\\d+)?\\]\\s*(\\S+)\\s+(?:on|at)\\s+(\\S+)\\s*-\\s*(.*)$'],
  ['ten service names', '(?i)prod-db|prod-api|payments|checkout|billing|ledger|search|auth|gateway|frontend'],
  ['whole title', '(.*)'],
  ['adversarial: words', largest((n) => `(\\w+\\s*){${n}}$`)],
  ['adversarial: dot-stars', largest((n) => `(?s)(.*.*.*){${n}}$`)],
  ['adversarial: optional dots', largest((n) => `(?s)(.?){${n}}$`)],
  ['adversarial: a|b', largest((n) => `(a|b)*a(a|b){${n}}(c|d)`)],
];

function timed(run: () => unknown): { median: number; worst: number } {
  run(); // compile caches, JIT
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], worst: samples[samples.length - 1] };
}

console.log(`RE2 (re2js), MAX_PROGRAM_SIZE ${MAX_PROGRAM_SIZE}, ${RUNS} runs per figure; ms as median / worst`);
console.log(`${'pattern'.padEnd(28)} ${'size'.padStart(4)}  ${Object.keys(TEXTS).map((name) => `${`test ${name}`.padStart(20)} ${`exec ${name}`.padStart(20)}`).join(' ')}`);
let worstTest = 0;
let worstExec = 0;
for (const [name, source] of PATTERNS) {
  const regex = compileLinearRegex(source);
  const size = RE2JS.compile(RE2JS.translateRegExp(source)).programSize();
  const cells: string[] = [];
  for (const text of Object.values(TEXTS)) {
    const test = timed(() => regex.test(text));
    const exec = timed(() => regex.exec(text));
    worstTest = Math.max(worstTest, test.worst);
    worstExec = Math.max(worstExec, exec.worst);
    cells.push(`${`${f1(test.median)} / ${f1(test.worst)}`.padStart(20)} ${`${f1(exec.median)} / ${f1(exec.worst)}`.padStart(20)}`);
  }
  console.log(`${name.padEnd(28)} ${String(size).padStart(4)}  ${cells.join(' ')}`);
  console.log(`${''.padEnd(28)}       ${source}`);
}
console.log(`worst single test(): ${f1(worstTest)} ms; worst single exec(): ${f1(worstExec)} ms`);

// What intake really runs per alert: the Alert Key looked for in the first ALERT_KEY_SCAN_CHARS of the description.
let worstKey = 0;
for (const [, source] of PATTERNS) {
  const rule: PushRule = { action: 'trigger', conditions: [], keyField: 'content', keyRegex: source };
  for (const text of Object.values(TEXTS)) worstKey = Math.max(worstKey, timed(() => extractAlertKey(rule, { title: 't', content: text })).worst);
}
console.log(`worst Alert Key extraction from a description (first ${ALERT_KEY_SCAN_CHARS} characters): ${f1(worstKey)} ms`);

console.log('\nV8 backtracking, /^(a+)+$/ against "a"×n + "!":');
for (const n of [16, 18, 20, 22, 24]) {
  const text = `${'a'.repeat(n)}!`;
  const start = performance.now();
  /^(a+)+$/.test(text);
  const v8 = performance.now() - start;
  const re2 = timed(() => compileLinearRegex('^(a+)+$').test(text));
  console.log(`  n=${String(n).padStart(2)}: V8 ${f1(v8).padStart(8)} ms   RE2 ${f1(re2.worst)} ms   (V8 at n=40 would take ~${f1((v8 * 2 ** (40 - n)) / 3_600_000)} h)`);
}
