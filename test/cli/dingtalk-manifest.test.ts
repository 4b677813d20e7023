/**
 * `npm run manifest:dingtalk` (src/cli/dingtalk-manifest.ts), run as a child process the way an admin runs it: the
 * deployment's values filled in (never the secret), Stream mode with exactly the topics the app listens to, and the
 * permissions covering every DingTalk API the app's client calls.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DINGTALK_TOPIC_CARD, DINGTALK_TOPIC_ROBOT } from '../../src/platforms/dingtalk/dingtalk-stream-connection.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUNNER = join(ROOT, 'test/support/run-ts.mjs');
const CLI = 'src/cli/dingtalk-manifest.ts';
const runCli = promisify(execFile);

/** DingTalk's permission for each API path the client calls (from DingTalk's API reference). */
const API_PERMISSIONS: Record<string, string> = {
  '/v1.0/card/instances/createAndDeliver': 'Card.Instance.Write',
  '/v1.0/card/instances': 'Card.Instance.Write',
  '/v1.0/robot/groupMessages/send': 'qyapi_robot_sendmsg',
  '/v1.0/robot/oToMessages/batchSend': 'qyapi_robot_sendmsg',
  '/topapi/v2/user/get': 'qyapi_get_member',
  '/topapi/user/getbyunionid': 'qyapi_get_member',
  '/topapi/v2/user/getbymobile': 'qyapi_get_member_by_mobile',
};

async function printManifest(env: Record<string, string>): Promise<{ text: string; manifest: any }> {
  const { stdout } = await runCli(process.execPath, [RUNNER, CLI], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 });
  const manifest = JSON.parse(stdout.slice(0, stdout.indexOf('\n----- Install guide')));
  return { text: stdout, manifest };
}

describe('npm run manifest:dingtalk', () => {
  it('fills in the deployment’s values, never the secret', async () => {
    const { text, manifest } = await printManifest({
      PUBLIC_BASE_URL: 'https://oncall.example.com',
      DINGTALK_CLIENT_ID: 'dingabc123',
      DINGTALK_CLIENT_SECRET: 'very-secret-value-123',
      DINGTALK_ROBOT_CODE: 'dingabc123',
      DINGTALK_CARD_TEMPLATE_ID: 'tpl-1.schema',
    });
    expect(manifest.app.credentials.clientId).toBe('dingabc123');
    expect(manifest.robot.robotCode).toBe('dingabc123');
    expect(manifest.cardTemplate.templateId).toBe('tpl-1.schema');
    expect(manifest.detailsLinks).toBe('https://oncall.example.com/incidents/<id>');
    expect(text).not.toContain('very-secret-value-123');
    expect(text).not.toMatch(/\$\{\w+\}/);
    expect(text).toContain('Install guide, filled in for https://oncall.example.com (Stream mode, no request URL)');
  });

  it('before the app exists, says what is not set yet', async () => {
    const { manifest } = await printManifest({ PUBLIC_BASE_URL: 'https://oncall.example.com' });
    expect(manifest.app.credentials.clientId).toBe('(not set yet)');
    expect(manifest.cardTemplate.templateId).toBe('(not set yet)');
  });

  it('subscribes exactly the Stream topics the app handles, and asks for the permission of every API the client calls', async () => {
    const { manifest } = await printManifest({});
    expect(manifest.streamMode.callbacks.map((callback: { topic: string }) => callback.topic).sort()).toEqual([DINGTALK_TOPIC_CARD, DINGTALK_TOPIC_ROBOT].sort());
    const client = readFileSync(join(ROOT, 'src/platforms/dingtalk/dingtalk-api.ts'), 'utf8');
    const called = [...client.matchAll(/'(\/(?:v1\.0|topapi)\/[\w/]+)'/g)].map((match) => match[1]).filter((path) => path !== '/v1.0/oauth2/accessToken');
    expect(called.length).toBeGreaterThanOrEqual(7);
    const asked = new Set(manifest.permissions.map((permission: { code: string }) => permission.code));
    for (const path of called) {
      expect(API_PERMISSIONS[path]).toBeDefined();
      expect(asked.has(API_PERMISSIONS[path])).toBe(true);
    }
  });

  it('points at the card template that ships in cards/dingtalk', async () => {
    const { manifest } = await printManifest({});
    expect(() => JSON.parse(readFileSync(join(ROOT, manifest.cardTemplate.file), 'utf8'))).not.toThrow();
  });
});
