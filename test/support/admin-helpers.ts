import { hookPath, type TestService } from './test-service.js';

/** Shared steps of the admin API tests: they go through HTTP only, like an operator would. */

export const PUBLIC_BASE_URL = 'http://oncall.test';
/** 128 random bits written as 8-4-4-4-12 lowercase hex, like a Feishu hook token. */
export const HOOK_URL = /^http:\/\/oncall\.test\/open-apis\/bot\/v2\/hook\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export interface ApiAnswer {
  status: number;
  body: any;
}

/** The admin API's error shape: `{ error: { code, message } }`, the message naming the offending field. */
export function expectError(answer: ApiAnswer, status: number, code: string, messageContains?: string | RegExp): void {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
  expect(typeof answer.body.error.message).toBe('string');
  if (messageContains !== undefined) expect(answer.body.error.message).toMatch(messageContains);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A 400 whose message names `field`: either as the path of an issue (`pushRules.0.keyRegex: …`) or
 * as the unrecognized key (`body: Unrecognized key: "colour"`).
 */
export function expectValidation(answer: ApiAnswer, field: string): void {
  const name = escapeRegExp(field);
  expectError(answer, 400, 'validation', new RegExp(`(^|; )${name}(\\.|\\[|:)|Unrecognized keys?: [^;]*"${name}"`));
}

export async function createChannel(service: TestService, name: string, extra: Record<string, unknown> = {}): Promise<any> {
  const answer = await service.api('POST', '/channels', { name, ...extra });
  expect(answer.status).toBe(201);
  return answer.body;
}

export async function createMember(service: TestService, name: string, extra: Record<string, unknown> = {}): Promise<any> {
  const answer = await service.api('POST', '/members', { name, ...extra });
  expect(answer.status).toBe(201);
  return answer.body;
}

export async function createIntegration(service: TestService, body: Record<string, unknown>): Promise<any> {
  const answer = await service.api('POST', '/integrations', body);
  expect(answer.status).toBe(201);
  return answer.body;
}

/** Sends a Feishu text message to an integration URL and expects Feishu's success answer. */
export async function sendText(service: TestService, integrationUrl: string, text: string): Promise<void> {
  const answer = await service.post(hookPath(integrationUrl), { msg_type: 'text', content: { text } });
  expect(answer).toEqual({ status: 200, body: expect.objectContaining({ code: 0, msg: 'success' }) });
}

/** Sends a message and returns the incident it created (the newest one). */
export async function triggerIncident(service: TestService, integrationUrl: string, text: string): Promise<any> {
  await sendText(service, integrationUrl, text);
  const list = await service.api('GET', '/incidents?limit=1');
  expect(list.status).toBe(200);
  expect(list.body.items[0].description).toBe(text);
  return list.body.items[0];
}
