/**
 * DingTalk card-click benchmark: card callbacks pushed by the fake Stream gateway as CALLBACK frames to the real
 * service's `dingtalk-stream` connection, answered in the ack, with 50 concurrent clickers; the service on MariaDB,
 * its OpenAPI calls (card createAndDeliver) going to the fake DingTalk.
 *
 *   npm run bench:dingtalk-callback
 *
 * The fake DingTalk (OpenAPI + gateway) and the clickers run in a worker thread, so their work does not sit on the
 * service's event loop. Setup: BENCH_GROUPS groups, each bound to a channel with its own integration, one on-call
 * member per clicker linked to a DingTalk user through POST /api/v1/im-identities, BENCH_INCIDENTS incidents through
 * the Feishu-compatible alert endpoint and their cards delivered before the first click. Clicks: the first half of the
 * incidents gets Acknowledge, the second Close, interleaved; with 1000 clicks on 500 incidents every incident is clicked
 * twice by two people: the first changes it (success), the second finds it done (info). Latency is push → ack.
 *
 * Environment (all optional): BENCH_CLICKERS (50), BENCH_CLICKS (1000), BENCH_INCIDENTS (500), BENCH_GROUPS (50),
 * BENCH_WARMUP (100 clicks first, on incidents of their own), BENCH_MARIADB_URL (mysql://root@127.0.0.1:3306).
 * It prints figures and exits 0 whether the target is met or not (non-zero only if the run itself broke).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { BENCH_ADMIN_TOKEN, benchServiceConfig, f0, f1, freshDatabases, intEnv, latencyFigures, mariadbRootUrl, perRequest, serverLoad, sqlStatus, startWatchdog, within, strictAdminApi } from './bench-support.js';

const TOPIC_CARD = '/v1.0/card/instances/callback';
const TEMPLATE_ID = 'bench-incident.schema';
const TARGET_CONCURRENCY = 50;
const TARGET_P99_MS = 300;

interface Setup {
  url: string;
  clientId: string;
  clientSecret: string;
  robotCode: string;
  users: Array<{ staffId: string; name: string; email: string }>;
  groups: string[];
}

interface ClickPlan {
  incidentId: number;
  action: 'acknowledge' | 'close';
  staffId: string;
}

interface ClickResult {
  latenciesMs: number[];
  kinds: string[];
  failures: string[];
  withCard: number;
  elapsedMs: number;
}

type Request =
  | { type: 'setup'; clickers: number; groups: number }
  | { type: 'liveSockets' }
  | { type: 'cards' }
  | { type: 'click'; plan: ClickPlan[]; concurrency: number }
  | { type: 'close' };

// ---------------------------------------------------------------------------------------------------------------
// Worker: the fake DingTalk and the clickers
// ---------------------------------------------------------------------------------------------------------------

async function runWorker(): Promise<void> {
  const { FakeDingTalk } = await import('../test/fakes/dingtalk.js');
  const { FakeDingTalkGateway } = await import('../test/fakes/dingtalk-gateway.js');
  const fake = await FakeDingTalk.start({ templateId: TEMPLATE_ID });
  const gateway = new FakeDingTalkGateway({
    apps: [{ clientId: fake.state.clientId, clientSecret: fake.state.clientSecret, appId: 'bench-app' }],
  });
  fake.mount(gateway);

  const click = async (plan: ClickPlan[], concurrency: number): Promise<ClickResult> => {
    const cardOf = new Map([...fake.state.cards.values()].map((card) => [card.params.id, card]));
    const result: ClickResult = { latenciesMs: new Array(plan.length).fill(NaN), kinds: new Array(plan.length).fill(''), failures: [], withCard: 0, elapsedMs: 0 };
    let next = 0;
    const started = performance.now();
    const clicker = async () => {
      while (next < plan.length) {
        const index = next++;
        const { incidentId, action, staffId } = plan[index];
        const card = cardOf.get(String(incidentId));
        if (!card) {
          result.failures.push(`no card for incident ${incidentId}`);
          continue;
        }
        const params = { action, incidentId: card.params.id };
        const data = {
          type: 'actionCallback',
          outTrackId: card.outTrackId,
          userId: staffId,
          spaceType: 'IM_GROUP',
          spaceId: card.openConversationId,
          content: JSON.stringify({ cardPrivateData: { actionIds: [action], params } }),
        };
        const at = performance.now();
        try {
          const ack = await gateway.push(TOPIC_CARD, data).ack(10_000);
          result.latenciesMs[index] = performance.now() - at;
          const response = (ack.data as { response?: any } | undefined)?.response;
          result.kinds[index] = response?.userPrivateData?.cardParamMap?.toastKind ?? '';
          if (response?.cardData?.cardParamMap) result.withCard++;
          if (result.kinds[index] !== 'success' && result.kinds[index] !== 'info' && result.failures.length < 5) result.failures.push(JSON.stringify(response).slice(0, 200));
        } catch (error) {
          if (result.failures.length < 5) result.failures.push(String((error as Error).message ?? error));
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, clicker));
    result.elapsedMs = performance.now() - started;
    return result;
  };

  parentPort!.on('message', async (request: Request) => {
    try {
      switch (request.type) {
        case 'setup': {
          const users = Array.from({ length: request.clickers }, (_, i) => fake.state.addUser({ name: `Clicker ${i + 1}`, email: `clicker${i + 1}@bench.example` }));
          const groups = Array.from({ length: request.groups }, (_, i) => fake.state.addGroup({ title: `bench group ${i + 1}`, members: users.map((user) => user.staffId) }));
          const setup: Setup = {
            url: fake.url,
            clientId: fake.state.clientId,
            clientSecret: fake.state.clientSecret,
            robotCode: fake.state.robotCode,
            users: users.map((user) => ({ staffId: user.staffId, name: user.name, email: user.email! })),
            groups: groups.map((group) => group.openConversationId),
          };
          parentPort!.postMessage(setup);
          break;
        }
        case 'liveSockets':
          parentPort!.postMessage(gateway.liveSockets);
          break;
        case 'cards':
          parentPort!.postMessage(fake.state.cards.size);
          break;
        case 'click':
          parentPort!.postMessage(await click(request.plan, request.concurrency));
          break;
        case 'close':
          await gateway.close();
          await fake.close();
          parentPort!.postMessage('closed');
          break;
      }
    } catch (error) {
      parentPort!.postMessage({ error: String((error as Error)?.stack ?? error) });
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Main thread: the service, the setup, the report
// ---------------------------------------------------------------------------------------------------------------

const SERVICE_DB = `oncall_bench_dingtalk_${process.pid}`;

function ask<T>(worker: Worker, request: Request): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.once('message', (answer: any) => (answer && typeof answer === 'object' && 'error' in answer ? reject(new Error(answer.error)) : resolve(answer as T)));
    worker.postMessage(request);
  });
}

async function waitUntil(what: string, probe: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await probe())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Acknowledge on the first half of the incidents, Close on the second, interleaved; a repeat comes from someone else. */
function planClicks(incidents: number[], count: number, users: Setup['users']): ClickPlan[] {
  const ack = incidents.slice(0, Math.ceil(incidents.length / 2));
  const close = incidents.slice(ack.length);
  return Array.from({ length: count }, (_, i) => {
    const half = close.length === 0 || i % 2 === 0 ? 'acknowledge' : 'close';
    const round = close.length === 0 ? i : i >> 1;
    const incidentId = half === 'acknowledge' ? ack[round % ack.length] : close[round % close.length];
    return { incidentId, action: half, staffId: users[(i + Math.floor(i / users.length)) % users.length].staffId };
  });
}

async function main(): Promise<number> {
  const clickers = intEnv('BENCH_CLICKERS', TARGET_CONCURRENCY, 1, 1024);
  const clickCount = intEnv('BENCH_CLICKS', 1000, 1, 100_000);
  const incidentCount = intEnv('BENCH_INCIDENTS', 500, 2, 20_000);
  const groupCount = Math.min(incidentCount, intEnv('BENCH_GROUPS', 50, 1, 1000));
  const warmupClicks = intEnv('BENCH_WARMUP', 100, 0, 10_000);
  const warmupIncidents = warmupClicks > 0 ? Math.max(2, Math.ceil(warmupClicks / 2)) : 0;
  const totalIncidents = incidentCount + warmupIncidents;
  // Posts are paced at 1 a second per group (bursts of 3).
  const postDrainMs = Math.ceil(totalIncidents / groupCount) * 1000 + 30_000;
  startWatchdog(postDrainMs + 240_000);
  const rootUrl = mariadbRootUrl();
  const log = (line: string) => process.stdout.write(`${line}\n`);

  const { createConnection } = await import('mysql2/promise');
  const { startService } = await import('../src/app/start-service.js');
  const { createLogger } = await import('../src/lib/logger.js');
  const admin = await createConnection(rootUrl);
  const dataDir = mkdtempSync(join(tmpdir(), 'oncall-bench-dingtalk-'));
  const worker = new Worker(new URL(import.meta.url));
  const cleanups: Array<() => Promise<unknown>> = [async () => worker.terminate()];
  try {
    cleanups.unshift(await freshDatabases(admin, [SERVICE_DB]));
    const setup = await ask<Setup>(worker, { type: 'setup', clickers, groups: groupCount });
    cleanups.unshift(() => ask(worker, { type: 'close' }));
    const running = await startService(
      benchServiceConfig(dataDir, { kind: 'mysql', url: `${rootUrl}/${SERVICE_DB}` }, {
        dingtalk: {
          clientId: setup.clientId,
          clientSecret: setup.clientSecret,
          robotCode: setup.robotCode,
          cardTemplateId: TEMPLATE_ID,
          apiBaseUrl: setup.url,
          oapiBaseUrl: setup.url,
        },
      }),
      createLogger('silent'),
    );
    cleanups.unshift(() => running.stop());
    const api = strictAdminApi(running.url, BENCH_ADMIN_TOKEN);
    await waitUntil('the Stream connection', async () => (await ask<number>(worker, { type: 'liveSockets' })) === 1, 30_000);

    const mappings = [];
    for (const user of setup.users) {
      const member = await api('POST', '/members', { name: user.name, email: user.email });
      mappings.push({ externalId: user.staffId, memberId: member.id });
    }
    await api('POST', '/im-identities', { platform: 'dingtalk', mappings }, 200);
    const hooks: string[] = [];
    for (const [index, group] of setup.groups.entries()) {
      const channel = await api('POST', '/channels', { name: `bench-${index + 1}` });
      const integration = await api('POST', '/integrations', { name: `bench ${index + 1}`, kind: 'dedicated', channelId: channel.id, pushMode: 'always_new' });
      await api('POST', '/chat-bindings', { platform: 'dingtalk', chatId: group, channelId: channel.id, chatName: `bench group ${index + 1}` });
      hooks.push(new URL(integration.url as string).pathname);
    }
    log(`dingtalk callback bench: ${clickers} concurrent clickers, ${clickCount} clicks on ${incidentCount} incidents (${warmupClicks} warm-up clicks on ${warmupIncidents} more), ${groupCount} groups, MariaDB ${rootUrl}`);

    const setupStarted = performance.now();
    const ids: number[] = [];
    let nextAlert = 0;
    const sender = async () => {
      while (nextAlert < totalIncidents) {
        const index = nextAlert++;
        const response = await fetch(`${running.url}${hooks[index % hooks.length]}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ msg_type: 'text', content: { text: `[bench] host-${index} is on fire` } }),
        });
        if (response.status !== 200) throw new Error(`alert ${index}: HTTP ${response.status}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, sender));
    const rows = (await admin.query(`SELECT id FROM \`${SERVICE_DB}\`.incidents ORDER BY id`))[0] as Array<{ id: number }>;
    ids.push(...rows.map((row) => Number(row.id)));
    await waitUntil('every card delivered', async () => (await ask<number>(worker, { type: 'cards' })) >= totalIncidents, postDrainMs);
    await within(running.services.cards.idle(), 10_000);
    log(`  setup: ${totalIncidents} incidents triggered and their cards delivered in ${f1((performance.now() - setupStarted) / 1000)} s`);

    const warmupIds = ids.slice(incidentCount);
    const measuredIds = ids.slice(0, incidentCount);
    if (warmupClicks > 0) await ask<ClickResult>(worker, { type: 'click', plan: planClicks(warmupIds, warmupClicks, setup.users), concurrency: clickers });

    const plan = planClicks(measuredIds, clickCount, setup.users);
    const before = await sqlStatus(admin);
    const elu = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const result = await ask<ClickResult>(worker, { type: 'click', plan, concurrency: clickers });
    const load = serverLoad(elu, cpu, plan.length);
    const after = await sqlStatus(admin);

    const statuses = (await admin.query(`SELECT id, status FROM \`${SERVICE_DB}\`.incidents WHERE id IN (?)`, [measuredIds]))[0] as Array<{ id: number; status: string }>;
    const acked = new Set(plan.filter((click) => click.action === 'acknowledge').map((click) => click.incidentId));
    const closed = new Set(plan.filter((click) => click.action === 'close').map((click) => click.incidentId));
    const rightState = statuses.filter((row) => (acked.has(Number(row.id)) ? row.status === 'acknowledged' : closed.has(Number(row.id)) ? row.status === 'closed' : row.status === 'triggered')).length;

    const answered = result.latenciesMs.filter((ms) => Number.isFinite(ms));
    const latency = latencyFigures(answered);
    const count = (kind: string) => result.kinds.filter((k) => k === kind).length;
    const row = (label: string, value: string) => log(`  ${label.padEnd(44)} ${value.padStart(12)}`);
    log('');
    log('=== dingtalk card-click benchmark (Stream) =====================================');
    row('clicks answered', `${answered.length}/${plan.length}`);
    row('clicks/s', f0(answered.length / (result.elapsedMs / 1000)));
    row('answer latency p50 (ms)', f1(latency.p50));
    row('answer latency p99 (ms)', f1(latency.p99));
    row('answer latency max (ms)', f1(latency.max));
    row('answer latency mean (ms)', f1(latency.mean));
    log('--------------------------------------------------------------------------------');
    const pass = answered.length === plan.length && result.failures.length === 0 && clickers >= TARGET_CONCURRENCY && latency.p99 <= TARGET_P99_MS;
    log(`  ${pass ? 'PASS' : 'FAIL'}  p99 <= ${TARGET_P99_MS} ms under ${TARGET_CONCURRENCY} concurrent clicks (${f1(latency.p99)} ms with ${clickers} clickers)`);
    log('--------------------------------------------------------------------------------');
    log(`  answers: success ${count('success')}, info ${count('info')} (expected ${acked.size + closed.size} / ${plan.length - acked.size - closed.size}); new card data in ${result.withCard}`);
    for (const failure of result.failures) log(`      e.g. ${failure}`);
    log(`  database: ${rightState}/${measuredIds.length} incidents in the state their clicks asked for`);
    log(`  server-wide SQL per click: ${perRequest(before, after, Math.max(1, plan.length))}`);
    log(`  service process: ${load}`);
    log('================================================================================');
    return 0;
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => process.stderr.write(`bench cleanup: ${String(error)}\n`));
    await admin.end().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`bench failed: ${String((error as Error)?.stack ?? error)}\n`);
      process.exitCode = 1;
    },
  );
} else {
  void runWorker();
}
