/**
 * DingTalk Stream transport benchmark: card callbacks pushed by the local fake gateway over one WebSocket to the
 * service's DingTalkStreamConnection (dingtalk-stream's DWClient underneath), each deduplicated on Redis and acked
 * with a card-sized answer. It measures the transport only (the handler does no work): push → ack latency with
 * BENCH_CONCURRENCY callbacks in flight, and the memory the connection holds after the run.
 *
 *   npm run bench:dingtalk-stream
 *
 * Two passes:
 *   steady     BENCH_CALLBACKS callbacks, BENCH_CONCURRENCY in flight at any time
 *   reconnect  the same, with the link cut once half of them are acked; the frames whose acks were lost come back after
 *              the gateway's re-delivery wait (1 s here; DingTalk waits about 60 s), so this pass reports how many came
 *              twice and that every callback still ran exactly once
 *
 * Environment (all optional):
 *   BENCH_CALLBACKS     callbacks per pass (default 5000)
 *   BENCH_CONCURRENCY   callbacks in flight (default 50, the click benchmark's concurrent clickers)
 *   BENCH_REDIS_URL     default redis://127.0.0.1:6379/14 (127.0.0.1/localhost only); dedupe keys expire after 10 min
 *
 * Target: steady p99 ≤ 50 ms, the transport's share of the 300 ms click → answer budget. The fake gateway runs on the
 * same event loop, so the figures include its work too (they are an upper bound). Prints figures and exits 0 whether
 * the target is met or not (non-zero only if the run itself broke).
 */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { RedisDeduper } from '../src/lib/dedupe.js';
import { createLogger } from '../src/lib/logger.js';
import { DINGTALK_TOPIC_CARD, DingTalkStreamConnection } from '../src/platforms/dingtalk/dingtalk-stream-connection.js';
import { startFakeDingTalkGateway, type RunningFakeDingTalkGateway } from '../test/fakes/dingtalk-gateway.js';
import { f1, intEnv, latencyFigures, startWatchdog } from './bench-support.js';

const TARGET_P99_MS = 50;
const REDELIVER_AFTER_MS = 1_000;
const ACK_TIMEOUT_MS = 30_000;
const CARD_ANSWER = {
  cardData: { cardParamMap: { status: 'acknowledged', statusColor: 'orange', title: 'x'.repeat(200), acknowledgedBy: 'On-call person' } },
  cardUpdateOptions: { updateCardDataByKey: true },
};

interface PassResult {
  latencies: number[];
  seconds: number;
  deliveries: number;
}

async function pass(fake: RunningFakeDingTalkGateway, callbacks: number, concurrency: number, cutAt?: number): Promise<PassResult> {
  const latencies: number[] = [];
  const messageIds: string[] = [];
  let next = 0;
  let acked = 0;
  const started = performance.now();
  const clicker = async (): Promise<void> => {
    while (next < callbacks) {
      const n = next++;
      const sent = performance.now();
      const pushed = fake.gateway.push(DINGTALK_TOPIC_CARD, { type: 'actionCallback', outTrackId: `bench-${n}`, userId: `user-${n % concurrency}`, content: '{"cardPrivateData":{"actionIds":["ack"],"params":{}}}' });
      messageIds.push(pushed.messageId);
      await pushed.ack(ACK_TIMEOUT_MS);
      latencies.push(performance.now() - sent);
      acked += 1;
      if (cutAt !== undefined && acked === cutAt) fake.gateway.dropConnections();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, clicker));
  const seconds = (performance.now() - started) / 1000;
  const deliveries = messageIds.reduce((sum, id) => sum + fake.gateway.deliveries(id), 0);
  return { latencies, seconds, deliveries };
}

function report(label: string, result: PassResult, runs: Map<string, number>, callbacks: number): void {
  const figures = latencyFigures(result.latencies);
  const once = [...runs.values()].every((count) => count === 1) && runs.size === callbacks;
  console.log(
    `${label.padEnd(10)} ${callbacks} callbacks in ${f1(result.seconds)} s (${f1(callbacks / result.seconds)}/s)  ` +
      `push→ack p50 ${f1(figures.p50)} ms  p99 ${f1(figures.p99)} ms  max ${f1(figures.max)} ms  ` +
      `deliveries ${result.deliveries} (${result.deliveries - callbacks} re-deliveries)  handled exactly once: ${once ? 'yes' : 'NO'}`,
  );
}

async function main(): Promise<void> {
  const callbacks = intEnv('BENCH_CALLBACKS', 5000, 100, 200_000);
  const concurrency = intEnv('BENCH_CONCURRENCY', 50, 1, 1000);
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/14';
  if (!['127.0.0.1', 'localhost'].includes(new URL(redisUrl).hostname)) throw new Error('BENCH_REDIS_URL must point at 127.0.0.1');
  startWatchdog(10 * 60_000);

  const redis = new Redis(redisUrl);
  const fake = await startFakeDingTalkGateway({ redeliverAfterMs: REDELIVER_AFTER_MS });
  const app = fake.gateway.apps[0];
  const runs = new Map<string, number>();
  const connection = new DingTalkStreamConnection({
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    apiBaseUrl: fake.apiBaseUrl,
    logger: createLogger('silent'),
    deduper: new RedisDeduper(redis, 600),
    reconnectDelay: { initialMs: 50, maxMs: 500 },
  });
  connection.on(DINGTALK_TOPIC_CARD, async (message) => {
    runs.set(message.messageId, (runs.get(message.messageId) ?? 0) + 1);
    return CARD_ANSWER;
  });
  try {
    await connection.start();
    while (connection.state !== 'open') await new Promise((resolve) => setTimeout(resolve, 10));
    console.log(`DingTalk Stream transport, ${concurrency} callbacks in flight, Redis dedupe at ${new URL(redisUrl).host}`);

    await pass(fake, Math.min(500, callbacks), concurrency); // warm-up
    runs.clear();
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const steady = await pass(fake, callbacks, concurrency);
    report('steady', steady, runs, callbacks);
    const figures = latencyFigures(steady.latencies);
    console.log(`target     steady p99 ≤ ${TARGET_P99_MS} ms: ${figures.p99 <= TARGET_P99_MS ? 'met' : 'NOT met'}`);

    runs.clear();
    const reconnect = await pass(fake, callbacks, concurrency, Math.floor(callbacks / 2));
    report('reconnect', reconnect, runs, callbacks);
    console.log(`sockets    live after the passes: ${connection.liveSockets} (gateway sees ${fake.gateway.liveSockets})`);
    global.gc?.();
    const heapAfter = process.memoryUsage().heapUsed;
    console.log(`memory     heap ${f1(heapAfter / 1048576)} MiB, ${f1((heapAfter - heapBefore) / 1048576)} MiB more than before the passes (includes the fake's records)`);
  } finally {
    await connection.stop();
    await fake.close();
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
