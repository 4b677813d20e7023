import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { hookPath, type TestService } from './test-service.js';

/** Feishu's documented success answer, exactly. */
export const FEISHU_SUCCESS = { StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' };

export const FEISHU_TOKEN_INVALID = { code: 19001, msg: 'param invalid: incoming webhook access token invalid', data: {} };
export const FEISHU_SIGN_FAIL = { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time', data: {} };
export const FEISHU_KEYWORDS_NOT_FOUND = { code: 19024, msg: 'Key Words Not Found', data: {} };
export const FEISHU_MSG_TYPE_NEEDED = { code: 19002, msg: 'params error, msg_type need', data: {} };

/** A failure answer: exact shape `{code, msg, data: {}}` with the given code and a message matching `msg`. */
export function feishuFailure(code: number, msg: RegExp) {
  return { code, msg: expect.stringMatching(msg), data: {} };
}

const FIXTURES = new URL('../fixtures/feishu/', import.meta.url);

/** A fixture file's bytes as text, exactly as a sender would post them. */
export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

export function fixture(name: string): Record<string, any> {
  return JSON.parse(fixtureText(name)) as Record<string, any>;
}

export interface CreatedIntegration {
  id: number;
  /** The v2 hook path, `/open-apis/bot/v2/hook/<key>`. */
  path: string;
  /** The same key on the legacy v1 path, `/open-apis/bot/hook/<key>`. */
  legacyPath: string;
  channelId: number;
  body: any;
}

export async function createChannel(service: TestService, name = `ch-${randomUUID().slice(0, 8)}`): Promise<number> {
  const channel = await service.api('POST', '/channels', { name });
  if (channel.status !== 201) throw new Error(`channel creation failed: ${JSON.stringify(channel.body)}`);
  return channel.body.id as number;
}

export function legacyPathOf(path: string): string {
  return path.replace('/open-apis/bot/v2/hook/', '/open-apis/bot/hook/');
}

/** A dedicated integration on a fresh channel (unless `channelId` or a shared setup is given). */
export async function createIntegration(service: TestService, settings: Record<string, unknown> = {}): Promise<CreatedIntegration> {
  const shared = settings.kind === 'shared';
  const channelId = shared ? (settings.defaultChannelId as number) : ((settings.channelId as number | undefined) ?? (await createChannel(service)));
  const input = { name: `feishu-${randomUUID().slice(0, 8)}`, ...(shared ? {} : { channelId }), ...settings };
  const created = await service.api('POST', '/integrations', input);
  if (created.status !== 201) throw new Error(`integration creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  const path = hookPath(created.body.url);
  return { id: created.body.id, path, legacyPath: legacyPathOf(path), channelId, body: created.body };
}

/** Every incident (newest first), following the `before` cursor. */
export async function allIncidents(service: TestService, query = ''): Promise<any[]> {
  const items: any[] = [];
  let before: number | null = null;
  for (;;) {
    const params = new URLSearchParams(query);
    params.set('limit', '200');
    if (before !== null) params.set('before', String(before));
    const page = await service.api('GET', `/incidents?${params}`);
    if (page.status !== 200) throw new Error(`incident list failed: ${JSON.stringify(page.body)}`);
    items.push(...page.body.items);
    if (page.body.nextBefore === null) return items;
    before = page.body.nextBefore;
  }
}

export async function incidentCount(service: TestService): Promise<number> {
  return (await allIncidents(service)).length;
}

export async function incidentsOfChannel(service: TestService, channelId: number): Promise<any[]> {
  return allIncidents(service, `channelId=${channelId}`);
}

/** `{incident, alerts, timeline}` of one incident. */
export async function incidentDetail(service: TestService, id: number): Promise<{ incident: any; alerts: any[]; timeline: any[] }> {
  const detail = await service.api('GET', `/incidents/${id}`);
  if (detail.status !== 200) throw new Error(`incident ${id} not found: ${JSON.stringify(detail.body)}`);
  return detail.body;
}

/** A random key in the shape of a real one, that no integration has. */
export function unknownHookPath(): string {
  return `/open-apis/bot/v2/hook/${randomUUID()}`;
}

/** A post message with the given title and one paragraph of text. */
export function postMessage(title: string, text: string, locale = 'zh_cn') {
  return { msg_type: 'post', content: { post: { [locale]: { title, content: [[{ tag: 'text', text }]] } } } };
}
