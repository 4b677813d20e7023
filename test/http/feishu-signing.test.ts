import { DATABASE_KINDS } from '../support/databases.js';
import {
  FEISHU_SIGN_FAIL,
  FEISHU_SUCCESS,
  FEISHU_TOKEN_INVALID,
  createIntegration,
  fixture,
  incidentCount,
  incidentsOfChannel,
  legacyPathOf,
} from '../support/feishu-helpers.js';
import { feishuTestSign, nowSeconds, signedBody } from '../support/feishu-signing.js';
import { hookPath, startTestService, type TestService } from '../support/test-service.js';

const SECRET = 'Zq8yN3vXb2Lr9Tt5Wm1Kc7Hd';

describe('Feishu signing helper', () => {
  it('matches the documented test vectors', () => {
    expect(feishuTestSign('1700000000', 'mysecret')).toBe('Jp33/xXhCipDEpjyHvEyc7mRSyXWHbNz6J8+C3qQKNo=');
    expect(feishuTestSign(1599360473, 'demo')).toBe('l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=');
  });
});

describe.each(DATABASE_KINDS)('Feishu signatures and integration state on %s', (kind) => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService(kind, 'feishu_signing');
  });
  afterAll(async () => {
    await service.stop();
  });

  /** Posts and expects the message to be refused without storing anything. */
  async function expectRejected(path: string, body: string | object, answer: object, headers?: Record<string, string>): Promise<void> {
    const before = await incidentCount(service);
    expect(await service.post(path, body, headers)).toEqual({ status: 200, body: answer });
    expect(await incidentCount(service)).toBe(before);
  }

  describe('signed integration', () => {
    it('does not show the secret, only that there is one', async () => {
      const integration = await createIntegration(service, { signingSecret: SECRET });
      expect(integration.body.hasSigningSecret).toBe(true);
      expect(JSON.stringify(integration.body)).not.toContain(SECRET);
      const fetched = await service.api('GET', `/integrations/${integration.id}`);
      expect(JSON.stringify(fetched.body)).not.toContain(SECRET);
    });

    it('accepts a valid sign with the timestamp as a string', async () => {
      const integration = await createIntegration(service, { signingSecret: SECRET });
      const body = signedBody(fixture('post-en_us.json'), SECRET);
      expect(typeof body.timestamp).toBe('string');
      expect(await service.post(integration.path, body)).toEqual({ status: 200, body: FEISHU_SUCCESS });
      const incidents = await incidentsOfChannel(service, integration.channelId);
      expect(incidents).toHaveLength(1);
      expect(incidents[0]).toMatchObject({ title: 'Kafka consumer lag high', description: 'group: billing-consumers\nlag: 125000 messages', severity: 'warning' });
    });

    it('accepts a valid sign with the timestamp as a number', async () => {
      const integration = await createIntegration(service, { signingSecret: SECRET });
      const body = signedBody(fixture('text.json'), SECRET, { timestampAsNumber: true });
      expect(typeof body.timestamp).toBe('number');
      expect((await service.post(integration.path, body)).body).toEqual(FEISHU_SUCCESS);
      expect(await incidentsOfChannel(service, integration.channelId)).toHaveLength(1);
    });

    it('accepts a timestamp 50 minutes old (inside the one-hour window)', async () => {
      const integration = await createIntegration(service, { signingSecret: SECRET });
      const body = signedBody(fixture('text.json'), SECRET, { timestamp: nowSeconds() - 3000 });
      expect((await service.post(integration.path, body)).body).toEqual(FEISHU_SUCCESS);
    });

    it('accepts a signed legacy v1 message', async () => {
      const integration = await createIntegration(service, { signingSecret: SECRET });
      const body = signedBody(fixture('legacy-v1.json'), SECRET);
      expect((await service.post(integration.legacyPath, body)).body).toEqual(FEISHU_SUCCESS);
      const [incident] = await incidentsOfChannel(service, integration.channelId);
      expect(incident).toMatchObject({ title: 'Backup failed', severity: 'warning' });
    });

    it('rejects an expired timestamp (over an hour old) with 19021, even when correctly signed', async () => {
      const integration = await createIntegration(service, { signingSecret: SECRET });
      await expectRejected(integration.path, signedBody(fixture('text.json'), SECRET, { timestamp: nowSeconds() - 3700 }), FEISHU_SIGN_FAIL);
      await expectRejected(
        integration.path,
        signedBody(fixture('text.json'), SECRET, { timestamp: nowSeconds() - 3700, timestampAsNumber: true }),
        FEISHU_SIGN_FAIL,
      );
      await expectRejected(integration.path, signedBody(fixture('text.json'), SECRET, { timestamp: 1599360473 }), FEISHU_SIGN_FAIL);
    });

    it('rejects a timestamp over an hour in the future with 19021', async () => {
      const integration = await createIntegration(service, { signingSecret: SECRET });
      await expectRejected(integration.path, signedBody(fixture('text.json'), SECRET, { timestamp: nowSeconds() + 3700 }), FEISHU_SIGN_FAIL);
    });

    it('rejects a correctly signed timestamp 10 minutes ahead with 19021; 1 minute ahead (clock skew) is accepted', async () => {
      const integration = await createIntegration(service, { signingSecret: SECRET });
      await expectRejected(integration.path, signedBody(fixture('text.json'), SECRET, { timestamp: nowSeconds() + 600 }), FEISHU_SIGN_FAIL);
      await expectRejected(integration.path, signedBody(fixture('text.json'), SECRET, { timestamp: nowSeconds() + 600, timestampAsNumber: true }), FEISHU_SIGN_FAIL);
      expect(await service.post(integration.path, signedBody(fixture('text.json'), SECRET, { timestamp: nowSeconds() + 60 }))).toEqual({ status: 200, body: FEISHU_SUCCESS });
      expect(await incidentsOfChannel(service, integration.channelId)).toHaveLength(1);
    });

    it('rejects a missing sign, a missing timestamp and an unsigned body with 19021', async () => {
      const integration = await createIntegration(service, { signingSecret: SECRET });
      const { sign: _sign, ...withoutSign } = signedBody(fixture('text.json'), SECRET);
      const { timestamp: _timestamp, ...withoutTimestamp } = signedBody(fixture('text.json'), SECRET);
      await expectRejected(integration.path, withoutSign, FEISHU_SIGN_FAIL);
      await expectRejected(integration.path, withoutTimestamp, FEISHU_SIGN_FAIL);
      await expectRejected(integration.path, fixture('text.json'), FEISHU_SIGN_FAIL);
      await expectRejected(integration.path, { ...fixture('text.json'), timestamp: String(nowSeconds()), sign: '' }, FEISHU_SIGN_FAIL);
    });

    it('rejects a sign made with another secret or for another timestamp with 19021', async () => {
      const integration = await createIntegration(service, { signingSecret: SECRET });
      await expectRejected(integration.path, signedBody(fixture('text.json'), 'not-the-secret'), FEISHU_SIGN_FAIL);
      const now = nowSeconds();
      await expectRejected(
        integration.path,
        { ...fixture('text.json'), timestamp: String(now), sign: feishuTestSign(now - 1, SECRET) },
        FEISHU_SIGN_FAIL,
      );
      await expectRejected(integration.path, { ...fixture('text.json'), timestamp: 'yesterday', sign: feishuTestSign('yesterday', SECRET) }, FEISHU_SIGN_FAIL);
    });

    it('an integration without a secret ignores timestamp and sign fields', async () => {
      const integration = await createIntegration(service);
      const body = { ...fixture('text.json'), timestamp: '1599360473', sign: 'garbage' };
      expect((await service.post(integration.path, body)).body).toEqual(FEISHU_SUCCESS);
    });

    it('adding a secret later by PATCH starts requiring a sign; removing it stops', async () => {
      const integration = await createIntegration(service);
      const patched = await service.api('PATCH', `/integrations/${integration.id}`, { signingSecret: SECRET });
      expect(patched.status).toBe(200);
      expect(patched.body.hasSigningSecret).toBe(true);
      await expectRejected(integration.path, fixture('text.json'), FEISHU_SIGN_FAIL);
      expect((await service.post(integration.path, signedBody(fixture('text.json'), SECRET))).body).toEqual(FEISHU_SUCCESS);
      await service.api('PATCH', `/integrations/${integration.id}`, { signingSecret: null });
      expect((await service.post(integration.path, fixture('text.json'))).body).toEqual(FEISHU_SUCCESS);
      expect(await incidentsOfChannel(service, integration.channelId)).toHaveLength(2);
    });
  });

  describe('request shape', () => {
    it('accepts a JSON body sent as text/plain, and one without a content type', async () => {
      const integration = await createIntegration(service, { signingSecret: SECRET });
      const plain = await service.post(integration.path, JSON.stringify(signedBody(fixture('post-zh_cn.json'), SECRET)), {
        'content-type': 'text/plain; charset=utf-8',
      });
      expect(plain).toEqual({ status: 200, body: FEISHU_SUCCESS });
      const none = await service.post(integration.path, JSON.stringify(signedBody(fixture('text.json'), SECRET)), {});
      expect(none).toEqual({ status: 200, body: FEISHU_SUCCESS });
      const titles = (await incidentsOfChannel(service, integration.channelId)).map((incident) => incident.title).sort();
      expect(titles).toEqual(['Feishu Alert', '数据库 CPU 告警']);
    });

    it('ignores unknown extra fields at every level', async () => {
      const integration = await createIntegration(service);
      const body = {
        msg_type: 'text',
        uuid: 'a6e1a2c4-9d3e-4c44-a0bb-1b4c2b8d0f11',
        receive_id: 'oc_x',
        extra: { nested: [1, 2, 3] },
        content: { text: 'Redis memory 95% on cache-1', extra_field: true, at_list: ['ou_x'] },
      };
      expect((await service.post(integration.path, body)).body).toEqual(FEISHU_SUCCESS);
      const [incident] = await incidentsOfChannel(service, integration.channelId);
      expect(incident).toMatchObject({ title: 'Feishu Alert', description: 'Redis memory 95% on cache-1', severity: 'warning' });
    });
  });

  describe('disabled and rotated integrations', () => {
    it('a disabled integration answers 19001 and stores nothing; enabling it again restores it', async () => {
      const integration = await createIntegration(service);
      const disabled = await service.api('PATCH', `/integrations/${integration.id}`, { enabled: false });
      expect(disabled.status).toBe(200);
      expect(disabled.body.enabled).toBe(false);
      await expectRejected(integration.path, fixture('text.json'), FEISHU_TOKEN_INVALID);
      await expectRejected(integration.legacyPath, fixture('legacy-v1.json'), FEISHU_TOKEN_INVALID);

      await service.api('PATCH', `/integrations/${integration.id}`, { enabled: true });
      expect((await service.post(integration.path, fixture('text.json'))).body).toEqual(FEISHU_SUCCESS);
      expect(await incidentsOfChannel(service, integration.channelId)).toHaveLength(1);
    });

    it('a disabled signed integration answers 19001 before looking at the sign', async () => {
      const integration = await createIntegration(service, { signingSecret: SECRET, enabled: false });
      await expectRejected(integration.path, signedBody(fixture('text.json'), SECRET), FEISHU_TOKEN_INVALID);
    });

    it('rotating the key kills the old URL (19001) and the new URL works, keeping the settings', async () => {
      const integration = await createIntegration(service, { signingSecret: SECRET, pushMode: 'by_title' });
      expect((await service.post(integration.path, signedBody(fixture('post-zh_cn.json'), SECRET))).body).toEqual(FEISHU_SUCCESS);

      const rotated = await service.api('POST', `/integrations/${integration.id}/rotate-key`);
      expect(rotated.status).toBe(200);
      const newPath = hookPath(rotated.body.url);
      expect(newPath).not.toBe(integration.path);
      expect(newPath).toMatch(/^\/open-apis\/bot\/v2\/hook\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(rotated.body).toMatchObject({ id: integration.id, pushMode: 'by_title', hasSigningSecret: true });

      await expectRejected(integration.path, signedBody(fixture('post-zh_cn.json'), SECRET), FEISHU_TOKEN_INVALID);
      await expectRejected(integration.legacyPath, signedBody(fixture('legacy-v1.json'), SECRET), FEISHU_TOKEN_INVALID);

      // Same key, same title: the open alert from before the rotation absorbs it.
      expect((await service.post(newPath, signedBody(fixture('post-zh_cn.json'), SECRET))).body).toEqual(FEISHU_SUCCESS);
      expect((await service.post(legacyPathOf(newPath), signedBody(fixture('legacy-v1.json'), SECRET))).body).toEqual(FEISHU_SUCCESS);
      const incidents = await incidentsOfChannel(service, integration.channelId);
      expect(incidents.map((incident) => incident.title).sort()).toEqual(['Backup failed', '数据库 CPU 告警']);
      const detail = await service.api('GET', `/incidents/${incidents.find((incident) => incident.title === '数据库 CPU 告警').id}`);
      expect(detail.body.alerts).toHaveLength(1);
      expect(detail.body.alerts[0].eventCount).toBe(2);
    });

    it('a deleted integration answers 19001', async () => {
      const integration = await createIntegration(service);
      expect((await service.api('DELETE', `/integrations/${integration.id}`)).status).toBe(204);
      await expectRejected(integration.path, fixture('text.json'), FEISHU_TOKEN_INVALID);
    });
  });
});
