/**
 * Group bot fan-out benchmark: BENCH_INCIDENTS incidents (default 1,000) created through the Feishu-compatible alert
 * endpoint, each announced to one bot of every kind (feishu, dingtalk, wecom, telegram, slack, zoom) subscribed to
 * `triggered`, on the local fake webhooks with their real limits (Feishu 5/s and 100/min, DingTalk / WeCom / Telegram
 * 20/min, Slack 3 a second). The service runs on the embedded SQLite store, no Redis.
 *
 *   npm run bench:bots
 *
 * Prints per kind: messages sent, incidents announced, throughput (incidents per second from the first alert to the
 * kind's last delivery), the delay from an incident's alert being answered to the message naming it arriving at the
 * fake (p50 / p99 / max), refusals the fake answered, and whether every incident arrived exactly once.
 *
 * Environment (optional): BENCH_INCIDENTS (default 1000), BENCH_SENDERS concurrent alert senders (default 8),
 * BENCH_MAX_SECONDS how long to wait for the deliveries (default 900). Exits 0 whatever the figures (non-zero only if
 * the run itself broke).
 */
import { BOT_KIND_NAMES } from '../src/domain/bot-kind-name.js';
import { startFakeWebhookBots, type FakeBot } from '../test/fakes/webhook-bots.js';
import { f0, f1, intEnv, latencyFigures, startWatchdog } from './bench-support.js';
import { startBenchService } from './bench-service.js';

const INCIDENTS = intEnv('BENCH_INCIDENTS', 1000, 1, 100_000);
const SENDERS = intEnv('BENCH_SENDERS', 8, 1, 256);
const MAX_SECONDS = intEnv('BENCH_MAX_SECONDS', 900, 10, 7200);

/** The text of a delivered message that names incidents (not a preview title or fallback that repeats it). */
function shownText(kind: string, message: { text: string; body: any }): string {
  if (kind === 'dingtalk') return message.body.markdown.text;
  if (kind === 'slack') return message.body.blocks[0].text.text;
  return message.text;
}

async function main(): Promise<void> {
  startWatchdog((MAX_SECONDS + 120) * 1000);
  const fake = await startFakeWebhookBots();
  const service = await startBenchService('bots');
  const api = service.api;
  try {
    const channel = await api('POST', '/channels', { name: 'bench' });
    const integration = await api('POST', '/integrations', { name: 'bench', channelId: channel.id });
    const hook = new URL(integration.url).pathname;
    const bots: FakeBot[] = [];
    for (const kind of BOT_KIND_NAMES) {
      const bot = fake.state.addBot(kind, kind === 'feishu' || kind === 'dingtalk' ? { secret: `SEC${kind}bench`, keyword: 'oncall' } : {});
      await api('POST', `/channels/${channel.id}/bots`, { name: kind, kind, url: bot.url, secret: bot.secret, chatId: bot.chatId, keyword: bot.keyword, events: ['triggered'] });
      bots.push(bot);
    }

    // Alerts: answered-at per incident id (read back by description).
    const answeredAt = new Map<string, number>();
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (next < INCIDENTS) {
          const index = next++;
          const text = `bench alert ${index}`;
          const response = await fetch(`${service.url}${hook}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ msg_type: 'text', content: { text } }) });
          await response.text();
          answeredAt.set(text, Date.now());
        }
      }),
    );
    const alertsDone = Date.now();
    const createdAt = new Map<number, number>();
    for (let before = ''; ; ) {
      const page = await api('GET', `/incidents?channelId=${channel.id}&limit=200${before}`);
      for (const item of page.items) createdAt.set(item.id, answeredAt.get(item.description) ?? started);
      if (!page.nextBefore) break;
      before = `&before=${page.nextBefore}`;
    }
    console.log(`${INCIDENTS} alerts answered in ${alertsDone - started} ms (${SENDERS} senders); ${createdAt.size} incidents`);

    const deadline = Date.now() + MAX_SECONDS * 1000;
    const announced = (bot: FakeBot) => fake.state.deliveredTo(bot).flatMap((message) => [...shownText(bot.kind, message).matchAll(/#(\d+) /g)].map((match) => ({ id: Number(match[1]), at: message.at })));
    while (Date.now() < deadline && bots.some((bot) => announced(bot).length < createdAt.size)) await new Promise((resolve) => setTimeout(resolve, 250));

    console.log('kind       messages  announced  incidents/s  delay p50 / p99 / max (ms)   refused  exactly once');
    for (const bot of bots) {
      const seen = announced(bot);
      const ids = new Set(seen.map((entry) => entry.id));
      const exactlyOnce = seen.length === createdAt.size && ids.size === createdAt.size && [...createdAt.keys()].every((id) => ids.has(id));
      const delays = seen.map((entry) => entry.at - (createdAt.get(entry.id) ?? started)).sort((a, b) => a - b);
      const figures = latencyFigures(delays);
      const last = Math.max(...seen.map((entry) => entry.at));
      const refused = fake.state.requestsTo(bot).filter((request) => request.status !== 200 || /"(code|errcode)":[1-9]/.test(request.answer) || request.answer.includes('"ok":false')).length;
      console.log(
        `${bot.kind.padEnd(10)} ${String(fake.state.deliveredTo(bot).length).padStart(8)}  ${String(seen.length).padStart(9)}  ${f1(seen.length / ((last - started) / 1000)).padStart(11)}  ${`${f0(figures.p50)} / ${f0(figures.p99)} / ${f0(figures.max)}`.padStart(27)}  ${String(refused).padStart(7)}  ${exactlyOnce ? 'yes' : 'NO'}`,
      );
    }
  } finally {
    await service.stop();
    await fake.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
