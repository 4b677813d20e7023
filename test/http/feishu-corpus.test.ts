import { request as httpRequest } from 'node:http';
import { DATABASE_KINDS } from '../support/databases.js';
import {
  FEISHU_KEYWORDS_NOT_FOUND,
  FEISHU_MSG_TYPE_NEEDED,
  FEISHU_SUCCESS,
  FEISHU_TOKEN_INVALID,
  createIntegration,
  feishuFailure,
  fixtureText,
  incidentCount,
  incidentDetail,
  incidentsOfChannel,
  unknownHookPath,
} from '../support/feishu-helpers.js';
import { startTestService, type TestService } from '../support/test-service.js';

/** Each accepted fixture and the alert it must become. */
const ACCEPTED: Array<{ file: string; title: string; description: string; legacy?: boolean }> = [
  { file: 'text.json', title: 'Feishu Alert', description: '[FIRING] CPU usage 93.2% on db-1 (threshold 90%)' },
  { file: 'text-at-mentions.json', title: 'Feishu Alert', description: 'Disk /data is 97% full on web-3 @Tom @all' },
  { file: 'post-zh_cn.json', title: '数据库 CPU 告警', description: '实例: db-1\nCPU 使用率 95%，持续 5 分钟' },
  { file: 'post-en_us.json', title: 'Kafka consumer lag high', description: 'group: billing-consumers\nlag: 125000 messages' },
  { file: 'post-ja_jp.json', title: 'ディスク使用率アラート', description: 'ホスト: web-5\n使用率: 92%' },
  // Several locales: zh_cn is preferred whatever the key order.
  { file: 'post-multi-locale.json', title: '磁盘即将写满', description: 'web-2 的 /var 已使用 91%' },
  {
    file: 'post-rich-tags.json',
    title: '发布失败 release-2024.05.01',
    description: '流水线: deploy #1284 (https://ci.example.com/job/deploy/1284)\n负责人: @张三 @all\n[image]',
  },
  {
    file: 'interactive-card-v1-grafana.json',
    title: '[FIRING:1] HighCPUUsage (db-1 critical)',
    description:
      '**Alert:** HighCPUUsage\n**Instance:** db-1:9100\n**Value:** 93.2%\n**Severity:**\ncritical\n**Started:**\n2024-05-01 10:00:00\n---\nGrafana v10.4.1',
  },
  {
    file: 'interactive-card-v2.json',
    title: 'Payment API 5xx rate above 5%',
    description: '**Service:** payment-api\n**5xx rate:** 7.4%\n**Region:** cn-east-1\n**Owner:** payments\nDetails\ntrace id 4bf92f3577b34da6',
  },
  { file: 'interactive-card-string.json', title: 'Job failed: nightly-etl', description: 'Exit code 137 (OOMKilled) on worker-7' },
  {
    file: 'interactive-template.json',
    title: 'Feishu Alert',
    description: JSON.stringify({ alert: 'HighLatency', p99: '1.2s' }, null, 2),
  },
  { file: 'legacy-v1.json', title: 'Backup failed', description: 'nightly backup of pg-main failed @all', legacy: true },
];

/** Each rejected fixture and the Feishu answer it must get. */
const REJECTED: Array<{ file: string; code: number; msg: RegExp }> = [
  { file: 'invalid-image.json', code: 19002, msg: /^param invalid: msg_type/ },
  { file: 'invalid-share-chat.json', code: 19002, msg: /^param invalid: msg_type/ },
  { file: 'invalid-missing-content.json', code: 9499, msg: /^Bad Request/ },
  { file: 'invalid-malformed-json.txt', code: 9499, msg: /^Bad Request/ },
];

/** A text message whose serialised body is exactly `bytes` bytes long. */
function textBodyOfSize(bytes: number): string {
  const empty = JSON.stringify({ msg_type: 'text', content: { text: '' } });
  return JSON.stringify({ msg_type: 'text', content: { text: 'x'.repeat(bytes - Buffer.byteLength(empty)) } });
}

/** POSTs with chunked transfer encoding (no content-length), so the size limit must be enforced while streaming. */
function postChunked(url: string, chunks: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe.each(DATABASE_KINDS)('Feishu payload corpus on %s', (kind) => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService(kind, 'feishu_corpus');
  });
  afterAll(async () => {
    await service.stop();
  });

  describe('accepted payloads', () => {
    it.each(ACCEPTED)('$file becomes one Warning incident with the right title and description', async ({ file, title, description, legacy }) => {
      const integration = await createIntegration(service);
      const raw = fixtureText(file);
      const answer = await service.post(legacy ? integration.legacyPath : integration.path, raw);
      expect(answer).toEqual({ status: 200, body: FEISHU_SUCCESS });

      const incidents = await incidentsOfChannel(service, integration.channelId);
      expect(incidents).toHaveLength(1);
      expect(incidents[0]).toMatchObject({ title, description, severity: 'warning', status: 'triggered', alertCount: 1, descriptionFormat: 'text' });

      const detail = await incidentDetail(service, incidents[0].id);
      expect(detail.alerts).toHaveLength(1);
      expect(detail.alerts[0]).toMatchObject({
        integrationId: integration.id,
        title,
        description,
        severity: 'warning',
        status: 'firing',
        eventCount: 1,
        rawPayload: raw,
      });
      expect(detail.timeline.map((event) => event.kind)).toEqual(['triggered']);
      expect(detail.timeline[0]).toMatchObject({ actorType: 'integration', actorId: integration.id });
    });

    it('keeps a/at/img post tags as markdown when the integration stores markdown', async () => {
      const integration = await createIntegration(service, { messageFormat: 'markdown' });
      const answer = await service.post(integration.path, fixtureText('post-rich-tags.json'));
      expect(answer.body).toEqual(FEISHU_SUCCESS);
      const [incident] = await incidentsOfChannel(service, integration.channelId);
      expect(incident).toMatchObject({
        title: '发布失败 release-2024.05.01',
        description: '流水线: [deploy #1284](https://ci.example.com/job/deploy/1284)\n负责人: @张三 @all\n[image]',
        descriptionFormat: 'markdown',
        severity: 'warning',
      });
    });

    it('stores a template card whose variables pretty-print far beyond the body size (under 20 KB sent)', async () => {
      const integration = await createIntegration(service);
      const variables: Record<string, unknown> = {};
      for (let i = 0; i < 1100; i++) variables[`k${i}`] = [[[[i % 10]]]];
      const body = JSON.stringify({ msg_type: 'interactive', card: { type: 'template', data: { template_id: 'AAqkz9ZC7RvF3', template_variable: variables } } });
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(20 * 1024);
      expect(await service.post(integration.path, body)).toEqual({ status: 200, body: FEISHU_SUCCESS });
      const [incident] = await incidentsOfChannel(service, integration.channelId);
      expect(incident).toMatchObject({ title: 'Feishu Alert', severity: 'warning' });
      // Kept as far as a MariaDB TEXT column allows, identically on both databases.
      const pretty = JSON.stringify(variables, null, 2);
      expect(pretty.startsWith(incident.description)).toBe(true);
      expect(incident.description.length).toBeGreaterThan(20 * 1024);
      expect(Buffer.byteLength(incident.description)).toBeLessThan(65_535);
      const detail = await incidentDetail(service, incident.id);
      expect(detail.alerts[0].description).toBe(incident.description);
      expect(detail.alerts[0].rawPayload).toBe(body);
    });

    it('accepts a body of exactly 20 KB', async () => {
      const integration = await createIntegration(service);
      const body = textBodyOfSize(20 * 1024);
      expect(Buffer.byteLength(body)).toBe(20 * 1024);
      expect((await service.post(integration.path, body)).body).toEqual(FEISHU_SUCCESS);
      expect(await incidentsOfChannel(service, integration.channelId)).toHaveLength(1);
    });
  });

  describe('rejected payloads store nothing', () => {
    it.each(REJECTED)('$file is answered code $code', async ({ file, code, msg }) => {
      const integration = await createIntegration(service);
      const before = await incidentCount(service);
      const answer = await service.post(integration.path, fixtureText(file));
      expect(answer).toEqual({ status: 200, body: feishuFailure(code, msg) });
      expect(answer.body).not.toHaveProperty('StatusCode');
      expect(await incidentCount(service)).toBe(before);
      expect(await incidentsOfChannel(service, integration.channelId)).toEqual([]);
    });

    it('a body over 20 KB is answered 9499', async () => {
      const integration = await createIntegration(service);
      const before = await incidentCount(service);
      const body = textBodyOfSize(20 * 1024 + 1);
      const answer = await service.post(integration.path, body);
      expect(answer).toEqual({ status: 200, body: feishuFailure(9499, /^Bad Request.*20 KB/) });
      const large = await service.post(integration.path, textBodyOfSize(64 * 1024));
      expect(large).toEqual({ status: 200, body: feishuFailure(9499, /^Bad Request.*20 KB/) });
      expect(await incidentCount(service)).toBe(before);
    });

    it('a chunked body (no content-length) over 20 KB is answered 9499', async () => {
      const integration = await createIntegration(service);
      const before = await incidentCount(service);
      const body = textBodyOfSize(30 * 1024);
      const chunks = [body.slice(0, 8000), body.slice(8000, 16000), body.slice(16000, 24000), body.slice(24000)];
      const answer = await postChunked(`${service.url}${integration.path}`, chunks);
      expect(answer).toEqual({ status: 200, body: feishuFailure(9499, /^Bad Request.*20 KB/) });
      expect(await incidentCount(service)).toBe(before);
    });

    it('a body without msg_type is answered 19002 "params error, msg_type need", exactly as Feishu answers', async () => {
      const integration = await createIntegration(service);
      const before = await incidentCount(service);
      for (const body of [{ content: { text: 'disk full' } }, { msg_type: '', content: { text: 'disk full' } }]) {
        expect(await service.post(integration.path, body)).toEqual({ status: 200, body: FEISHU_MSG_TYPE_NEEDED });
      }
      expect(await incidentCount(service)).toBe(before);
    });

    it('a legacy {title,text} body on the v2 path lacks msg_type (19002); a v2 body on the legacy path is 9499', async () => {
      const integration = await createIntegration(service);
      const before = await incidentCount(service);
      expect(await service.post(integration.path, fixtureText('legacy-v1.json'))).toEqual({ status: 200, body: FEISHU_MSG_TYPE_NEEDED });
      expect((await service.post(integration.legacyPath, fixtureText('post-zh_cn.json'))).body).toEqual(feishuFailure(9499, /^Bad Request/));
      expect(await incidentCount(service)).toBe(before);
    });

    // Before the depth limit the template case overflowed the stack (HTTP 500) and the others were stored.
    describe('bodies nested hundreds or thousands of levels deep (under 20 KB) are answered 9499 and store nothing', () => {
      const TOO_DEEP = { code: 9499, msg: 'Bad Request: JSON nested deeper than 64 levels', data: {} };
      const arrays = (levels: number, inner: string) => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;
      /** Card containers, each the only element of the one above: what the flattener walks recursively. */
      const containers = (levels: number) =>
        `${'{"tag":"column_set","columns":['.repeat(levels)}{"tag":"markdown","content":"deep"}${']}'.repeat(levels)}`;

      it.each<[string, string]>([
        ['card elements', `{"msg_type":"interactive","card":{"header":{"title":{"tag":"plain_text","content":"deep"}},"elements":[${containers(600)}]}}`],
        ['card arrays', `{"msg_type":"interactive","card":{"elements":${arrays(9_000, '"x"')}}}`],
        ['a card sent as a JSON string', `{"msg_type":"interactive","card":${JSON.stringify(`{"elements":${arrays(9_000, '"x"')}}`)}}`],
        ['template variables', `{"msg_type":"interactive","card":{"type":"template","data":{"template_variable":{"v":${arrays(9_000, '1')}}}}}`],
        ['a field nobody reads', `{"msg_type":"text","content":{"text":"deep"},"extra":${arrays(9_000, '1')}}`],
      ])('%s', async (_name, body) => {
        expect(Buffer.byteLength(body)).toBeLessThanOrEqual(20 * 1024);
        const integration = await createIntegration(service);
        const before = await incidentCount(service);
        expect(await service.post(integration.path, body)).toEqual({ status: 200, body: TOO_DEEP });
        expect(await incidentCount(service)).toBe(before);
        expect(await incidentsOfChannel(service, integration.channelId)).toEqual([]);
      });
    });

    it('an unknown key is answered 19001 on both paths', async () => {
      const before = await incidentCount(service);
      const path = unknownHookPath();
      expect(await service.post(path, fixtureText('text.json'))).toEqual({ status: 200, body: FEISHU_TOKEN_INVALID });
      expect((await service.post(path.replace('/bot/v2/hook/', '/bot/hook/'), fixtureText('legacy-v1.json'))).body).toEqual(FEISHU_TOKEN_INVALID);
      expect((await service.post('/open-apis/bot/v2/hook/not-a-key', fixtureText('text.json'))).body).toEqual(FEISHU_TOKEN_INVALID);
      expect(await incidentCount(service)).toBe(before);
    });

    it('a message without any keyword is answered 19024; one with a keyword in its title or text is accepted', async () => {
      const integration = await createIntegration(service, { keywords: ['告警', 'HighCPU'] });
      const before = await incidentCount(service);
      expect(await service.post(integration.path, fixtureText('text.json'))).toEqual({ status: 200, body: FEISHU_KEYWORDS_NOT_FOUND });
      expect((await service.post(integration.path, fixtureText('post-en_us.json'))).body).toEqual(FEISHU_KEYWORDS_NOT_FOUND);
      expect(await incidentCount(service)).toBe(before);

      expect((await service.post(integration.path, fixtureText('post-zh_cn.json'))).body).toEqual(FEISHU_SUCCESS);
      expect((await service.post(integration.path, fixtureText('interactive-card-v1-grafana.json'))).body).toEqual(FEISHU_SUCCESS);
      const titles = (await incidentsOfChannel(service, integration.channelId)).map((incident) => incident.title).sort();
      expect(titles).toEqual(['[FIRING:1] HighCPUUsage (db-1 critical)', '数据库 CPU 告警']);
    });

    it('keywords are looked for only in what the sender wrote: not in the "Feishu Alert" title we give, nor in link targets', async () => {
      const integration = await createIntegration(service, { keywords: ['Alert', 'grafana'] });
      const before = await incidentCount(service);
      const link = { msg_type: 'post', content: { post: { en_us: { content: [[{ tag: 'a', text: 'dashboard', href: 'https://grafana.example.com/d/1' }]] } } } };
      expect((await service.post(integration.path, { msg_type: 'text', content: { text: 'disk full on db-1' } })).body).toEqual(FEISHU_KEYWORDS_NOT_FOUND);
      expect((await service.post(integration.path, link)).body).toEqual(FEISHU_KEYWORDS_NOT_FOUND);
      expect(await incidentCount(service)).toBe(before);

      expect((await service.post(integration.path, { msg_type: 'text', content: { text: 'Alert: disk full on db-1' } })).body).toEqual(FEISHU_SUCCESS);
      const titled = { msg_type: 'post', content: { post: { en_us: { title: 'grafana: disk', content: [[{ tag: 'text', text: 'full' }]] } } } };
      expect((await service.post(integration.path, titled)).body).toEqual(FEISHU_SUCCESS);
      expect(await incidentCount(service)).toBe(before + 2);
    });
  });
});
