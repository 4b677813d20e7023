/**
 * Pacing benchmark: what sharing the platforms' rate limits through Redis costs per send, and whether two instances
 * together keep to one rate.
 *
 *   npm run bench:pacing
 *
 * Environment (optional): BENCH_REDIS_URL  a Redis on this machine (default redis://127.0.0.1:6379/8)
 *                         BENCH_SENDS      sends in the uncontended pass (default 2000)
 *
 * Passes:
 *   1. uncontended: every send to its own chat (a token is always there) — Redis round trips per send and the
 *      wait's latency, next to the in-process pacer's, and the whole wait a platform call makes (shared holds
 *      looked up before and after its turn);
 *   2. contended: two instances (two connections) send to one chat at 50/s with a burst of 5 — round trips per
 *      send, the rate reached, the most sends within any second (limit: burst + rate), and how long a page queued
 *      behind both instances' backlogs waited.
 * Prints figures and exits 0. Its keys expire on their own within seconds.
 */
import { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import { createLogger } from '../src/lib/logger.js';
import { waitTurnPastHolds } from '../src/lib/holds.js';
import { Pacer } from '../src/lib/pacer.js';
import { SharedPacing } from '../src/lib/shared-pacing.js';
import { SharedTokenBucket } from '../src/lib/shared-token-bucket.js';
import { f1, intEnv, latencyFigures, startWatchdog } from './bench-support.js';
import { mostWithin } from '../test/support/rate-window.js';

const SENDS = intEnv('BENCH_SENDS', 2000, 10, 100_000);
const PREFIX = `bench-pace-${process.pid}:`;

function redisUrl(): string {
  const url = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/8';
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost'].includes(host)) throw new Error(`BENCH_REDIS_URL must point at 127.0.0.1, not ${host}`);
  return url;
}

/** Counts the bucket's Redis calls (each is one round trip: one EVALSHA). */
let roundTrips = 0;
const take = SharedTokenBucket.prototype.take;
SharedTokenBucket.prototype.take = function (...args) {
  roundTrips += 1;
  return take.apply(this, args);
};

async function connected(url: string): Promise<Redis> {
  const redis = new Redis(url);
  await new Promise((resolve, reject) => redis.once('ready', resolve).once('error', reject));
  return redis;
}

async function timedWaits(wait: (index: number) => Promise<void>, count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const startedAt = performance.now();
    await wait(i);
    latencies.push(performance.now() - startedAt);
  }
  return latencies;
}

async function main(): Promise<void> {
  startWatchdog(120_000);
  const url = redisUrl();
  const [first, second] = await Promise.all([connected(url), connected(url)]);
  const logger = createLogger('silent');
  const pacings = [first, second].map((redis) => new SharedPacing(redis, logger, () => undefined, { keyPrefix: PREFIX }));

  // 1. Uncontended.
  const local = new Pacer(4, 1);
  const localLatencies = await timedWaits((i) => local.wait(`chat-${i}`), SENDS);
  const shared = pacings[0].pacer('bench:chat', 4, 1);
  roundTrips = 0;
  const startedAt = performance.now();
  const sharedLatencies = await timedWaits((i) => shared.wait(`chat-${i}`), SENDS);
  const seconds = (performance.now() - startedAt) / 1000;
  const [l, s] = [latencyFigures(localLatencies), latencyFigures(sharedLatencies)];
  console.log(`uncontended, ${SENDS} sends to as many chats, one after the other`);
  console.log(`  in-process pacer   wait p50 ${f1(l.p50 * 1000)} µs  p99 ${f1(l.p99 * 1000)} µs`);
  console.log(`  shared on Redis    wait p50 ${f1(s.p50)} ms  p99 ${f1(s.p99)} ms  max ${f1(s.max)} ms  ${f1(SENDS / seconds)} sends/s`);
  console.log(`  Redis round trips per send: ${f1(roundTrips / SENDS)}`);
  // What a platform call waits in all: any shared hold on the chat (a platform's "slow down"), its turn, the hold again.
  const holds = pacings[0].holds('bench:chat');
  const heldLatencies = await timedWaits((i) => waitTurnPastHolds(holds, `held-${i}`, () => shared.wait(`held-${i}`)), SENDS);
  const h = latencyFigures(heldLatencies);
  console.log(`  with shared holds  wait p50 ${f1(h.p50)} ms  p99 ${f1(h.p99)} ms  max ${f1(h.max)} ms  (3 round trips: hold, turn, hold)`);

  // 2. Contended: two instances, one chat.
  const rate = 50;
  const burst = 5;
  const perInstance = 100;
  const pacers = pacings.map((pacing) => pacing.pacer('bench:busy', rate, burst));
  const released: number[] = [];
  roundTrips = 0;
  const began = performance.now();
  const backlog = pacers.flatMap((pacer) => Array.from({ length: perInstance }, () => pacer.wait('one-chat', 2).then(() => released.push(performance.now()))));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const pageAsked = performance.now();
  await pacers[1].wait('one-chat', 0);
  const pageWaited = performance.now() - pageAsked;
  await Promise.all(backlog);
  const took = (performance.now() - began) / 1000;
  const sends = perInstance * 2 + 1;
  console.log(`contended, two instances, ${sends} sends to one chat at ${rate}/s with a burst of ${burst}`);
  console.log(`  took ${f1(took)} s (the rate allows ${f1((sends - burst) / rate)} s at best); reached ${f1(sends / took)} sends/s`);
  console.log(`  most sends within any second: ${mostWithin(released, 1000)} (limit ${burst + rate})`);
  console.log(`  Redis round trips per send: ${f1(roundTrips / sends)} (1 when a token is there; each refused try costs one more, and two instances waiting for one chat both try at each turn)`);
  console.log(`  a page queued behind ${perInstance * 2 - Math.round(0.5 * rate) - burst} waiting updates waited ${f1(pageWaited)} ms (interval ${f1(1000 / rate)} ms)`);

  first.disconnect();
  second.disconnect();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
