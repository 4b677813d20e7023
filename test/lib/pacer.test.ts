/**
 * The pacer on real timers: per key, calls go no faster than the rate (after a burst, when it has one), and calls that
 * wait are let through lowest priority number first, in arrival order within a number — without holding up other keys,
 * and without forgetting any waiting call.
 */
import { Pacer } from '../../src/lib/pacer.js';

const PER_SECOND = 50;
const INTERVAL_MS = 1000 / PER_SECOND;
/** Node may run a timer a millisecond before its time. */
const TIMER_SLACK_MS = 2;

interface Released {
  name: string;
  at: number;
}

interface Run {
  /** Just before the first call's wait: no call can have been let through earlier. */
  startedAt: number;
  released: Released[];
}

/** Starts `wait` for each call in the order given (all before any timer can run); resolves with the release order. */
async function releaseOrder(pacer: Pacer, calls: Array<{ name: string; key?: string; priority?: number }>): Promise<Run> {
  const released: Released[] = [];
  const startedAt = Date.now();
  await Promise.all(
    calls.map(({ name, key = 'chat', priority }) => pacer.wait(key, priority).then(() => released.push({ name, at: Date.now() }))),
  );
  return { startedAt, released };
}

const names = (run: Run) => run.released.map((entry) => entry.name);

/** Whether the wait ended before any timer could run: the pacer let the call go at once. */
async function goesAtOnce(wait: Promise<void>): Promise<boolean> {
  const timer = new Promise<'timer'>((resolve) => setTimeout(() => resolve('timer'), 0));
  return (await Promise.race([wait.then(() => 'pacer' as const), timer])) === 'pacer';
}

/**
 * No faster than the rate: the n-th call let through no sooner than n - burst intervals after the run started. (Measured
 * against the start, because the moment a call is seen to go may be later than the moment it was let through — a busy
 * machine — but never earlier.)
 */
function expectPaced(run: Run, intervalMs: number, burst = 1): void {
  run.released.forEach((entry, index) => {
    const earliest = Math.max(0, index + 1 - burst) * intervalMs - TIMER_SLACK_MS;
    expect(entry.at - run.startedAt).toBeGreaterThanOrEqual(earliest);
  });
}

it('without priorities, calls for a key go in arrival order, one per interval', async () => {
  const pacer = new Pacer(PER_SECOND);
  const run = await releaseOrder(pacer, ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name })));
  expect(names(run)).toEqual(['a', 'b', 'c', 'd', 'e']);
  expectPaced(run, INTERVAL_MS);
});

it('waiting calls are let through lowest priority number first, each number in arrival order', async () => {
  const pacer = new Pacer(PER_SECOND);
  const run = await releaseOrder(pacer, [
    { name: 'update-1', priority: 2 },
    { name: 'update-2', priority: 2 },
    { name: 'card-1', priority: 1 },
    { name: 'update-3', priority: 2 },
    { name: 'card-2', priority: 1 },
    { name: 'page-1', priority: 0 },
    { name: 'card-3', priority: 1 },
    { name: 'page-2', priority: 0 },
  ]);
  // The first call found the key idle and went at once; the rest waited and were sorted.
  expect(names(run)).toEqual(['update-1', 'page-1', 'page-2', 'card-1', 'card-2', 'card-3', 'update-2', 'update-3']);
  expectPaced(run, INTERVAL_MS);
});

it('a call that comes later overtakes the waiting calls of higher numbers, not those already let through', async () => {
  const pacer = new Pacer(PER_SECOND);
  const run: Run = { startedAt: Date.now(), released: [] };
  const track = (name: string, priority: number) => pacer.wait('chat', priority).then(() => run.released.push({ name, at: Date.now() }));
  let page: Promise<unknown> | undefined;
  const cards = Array.from({ length: 8 }, (_, i) =>
    track(`card-${i + 1}`, 1).then(() => {
      // The moment the third card is let through, a page comes.
      if (i === 2) page = track('page', 0);
    }),
  );
  await Promise.all(cards);
  await page;

  expect(names(run)).toEqual(['card-1', 'card-2', 'card-3', 'page', 'card-4', 'card-5', 'card-6', 'card-7', 'card-8']);
  expectPaced(run, INTERVAL_MS);
});

it('a queue on one key holds up no other key', async () => {
  const pacer = new Pacer(PER_SECOND);
  const busy = Array.from({ length: 10 }, () => pacer.wait('busy', 0));
  expect(await goesAtOnce(pacer.wait('quiet', 2))).toBe(true);
  await Promise.all(busy);
});

it('with a burst, that many go at once after a quiet spell, and then one per interval in priority order', async () => {
  const pacer = new Pacer(PER_SECOND, 3);
  const run = await releaseOrder(pacer, [
    { name: 'low-1', priority: 2 },
    { name: 'low-2', priority: 2 },
    { name: 'low-3', priority: 2 },
    { name: 'low-4', priority: 2 },
    { name: 'high', priority: 0 },
    { name: 'low-5', priority: 2 },
  ]);
  expect(names(run)).toEqual(['low-1', 'low-2', 'low-3', 'high', 'low-4', 'low-5']);
  expectPaced(run, INTERVAL_MS, 3);
});

it('with a burst of 3, the first three calls go at once and the fourth waits', async () => {
  // One a second: the bucket cannot refill between the calls, however slow the machine.
  const pacer = new Pacer(1, 3);
  for (let i = 0; i < 3; i++) expect(await goesAtOnce(pacer.wait('chat', 1))).toBe(true);
  expect(await goesAtOnce(pacer.wait('chat', 0))).toBe(false);
});

it('after a quiet spell a call goes at once, whatever its priority', async () => {
  const pacer = new Pacer(PER_SECOND);
  await releaseOrder(pacer, [{ name: 'a' }, { name: 'b' }]);
  await new Promise((resolve) => setTimeout(resolve, 2 * INTERVAL_MS));
  expect(await goesAtOnce(pacer.wait('chat', 9))).toBe(true);
});

describe('holds', () => {
  it('tells of each call that has to wait for its turn, and of none that goes at once', async () => {
    let holds = 0;
    const pacer = new Pacer(PER_SECOND, 2, () => holds++);
    await Promise.all([pacer.wait('a'), pacer.wait('a'), pacer.wait('b')]);
    expect(holds).toBe(0); // within the burst of 2 per key
    await Promise.all([pacer.wait('a'), pacer.wait('a'), pacer.wait('b')]);
    expect(holds).toBe(2); // the burst of 'a' is spent: both wait; 'b' has one left
  });
});
