// Each jest worker gets its own Redis database (15, 14, …), so test files running side by side never see each other's
// keys (deduper ids, pacing buckets, sessions). In-band runs keep TEST_REDIS_URL as given.
const worker = Number(process.env.JEST_WORKER_ID ?? '1');
if (worker > 1) {
  const url = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15');
  const base = Number(url.pathname.slice(1) || '0');
  url.pathname = `/${(base - (worker - 1) + 16) % 16}`;
  process.env.TEST_REDIS_URL = url.toString();
}
