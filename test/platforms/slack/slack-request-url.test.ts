/**
 * The Slack request URL on our Koa app, as the access log and Slack see it: Bolt answers on the raw response after
 * the route returned, so the route must wait for that answer — otherwise every Slack request is logged with Koa's
 * default 404. Variants of the path the router accepts (trailing slash, other case) must reach Bolt too, not hang.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startService, type RunningService } from '../../../src/app/start-service.js';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack-web-api.js';
import { dropDatabase, freshDatabase } from '../../support/databases.js';
import { randomHex } from '../../support/feishu-app-helpers.js';
import { signedRequest, workspaceOf } from '../../support/slack-requests.js';
import { testServiceConfig } from '../../support/test-service.js';
import type { DatabaseConfig } from '../../../src/config/config.js';

interface AccessLogLine {
  msg: string;
  method: string;
  path: string;
  status: number;
  ms: number;
}

describe('Slack request URL', () => {
  let fake: FakeSlack;
  let service: RunningService;
  let database: DatabaseConfig;
  const signingSecret = randomHex(16);
  const logLines: any[] = [];

  beforeAll(async () => {
    fake = await startFakeSlack({ botToken: 'xoxb-url-test' });
    database = await freshDatabase('sqlite', 'slack_request_url');
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    const config = testServiceConfig(database, { slack: { botToken: 'xoxb-url-test', signingSecret, connection: 'http', apiUrl: fake.url } });
    service = await startService(config, pino({ level: 'debug' }, sink));
  });
  afterAll(async () => {
    await service?.stop();
    await dropDatabase(database);
    await fake?.close();
  });

  const accessLogOf = (path: string): AccessLogLine[] => logLines.filter((line) => line.msg === 'request' && line.path === path);

  it.each(['/slack/events', '/slack/events/', '/Slack/Events'])('a signed url_verification at %s is answered, and logged with the status Slack got', async (path) => {
    const challenge = `challenge-${randomHex(8)}`;
    const check = JSON.stringify({ token: workspaceOf(fake).verificationToken, challenge, type: 'url_verification' });
    const request = signedRequest(signingSecret, check, 'application/json');
    const response = await fetch(`${service.url}${path}`, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(5000) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ challenge });

    const [logged] = accessLogOf(path);
    expect(logged).toMatchObject({ method: 'POST', path, status: 200 });
  });

  it('a forged request is logged with the 401 it got', async () => {
    const request = signedRequest(randomHex(16), JSON.stringify({ type: 'url_verification', challenge: 'x' }), 'application/json');
    const response = await fetch(`${service.url}/slack/events`, { method: 'POST', headers: request.headers, body: request.body });
    expect(response.status).toBe(401);
    expect(accessLogOf('/slack/events').map((line) => line.status)).toContain(401);
  });
});
