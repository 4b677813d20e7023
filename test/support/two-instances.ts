/** Two services of one deployment (one MariaDB database, one Redis) for the tests of what they share. */
import { randomBytes } from 'node:crypto';
import type { AppConfig, DatabaseConfig } from '../../src/config/config.js';
import { dropDatabase, freshDatabase, REDIS_TEST_URL } from './databases.js';
import { startServiceOn, Started } from './escalation-helpers.js';
import { FEISHU_SUCCESS, postMessage } from './feishu-helpers.js';
import { scrape, valueOf } from './prometheus-text.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import type { TestService } from './test-service.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Two services on one database, their Redis through a proxy the test can cut. */
export class TwoInstances {
  readonly started = new Started();
  services: TestService[] = [];
  proxy!: TcpProxy;
  database!: DatabaseConfig;

  async start(label: string, config: Partial<AppConfig>): Promise<TestService[]> {
    const redis = new URL(REDIS_TEST_URL);
    this.proxy = await startTcpProxy(redis.hostname, Number(redis.port || 6379));
    redis.port = String(this.proxy.port);
    this.database = await freshDatabase('mariadb', label);
    const overrides = { ...config, redisUrl: redis.toString(), logLevel: process.env.PACING_TEST_LOG ?? 'silent' } as Partial<AppConfig>;
    // One after the other: the first migrates the database.
    this.services.push(await this.started.track(startServiceOn(this.database, overrides)));
    this.services.push(await this.started.track(startServiceOn(this.database, overrides)));
    return this.services;
  }

  async stop(): Promise<void> {
    await this.started.stopAll();
    await this.proxy?.close();
    if (this.database) await dropDatabase(this.database);
  }

  /** Alerts posted to the integration, alternating between the instances, all at once. */
  async alerts(path: string, titles: string[]): Promise<void> {
    const answers = await Promise.all(titles.map((title, index) => this.services[index % 2].post(path, postMessage(title, `${title} ${hex(2)}`))));
    for (const answer of answers) expect(answer).toEqual({ status: 200, body: FEISHU_SUCCESS });
  }

  async pacingMetrics(): Promise<Array<{ shared: number; toLocal: number; toShared: number; cardFailures: number }>> {
    return Promise.all(
      this.services.map(async (service) => {
        const samples = await scrape(service.url);
        return {
          shared: valueOf(samples, 'oncall_pacing_shared'),
          toLocal: valueOf(samples, 'oncall_pacing_mode_switches_total', { to: 'local' }),
          toShared: valueOf(samples, 'oncall_pacing_mode_switches_total', { to: 'shared' }),
          cardFailures: samples.filter((sample) => sample.name === 'oncall_card_failures_total').reduce((sum, sample) => sum + sample.value, 0),
        };
      }),
    );
  }
}
