import { createChannel, createIntegration } from '../support/admin-helpers.js';
import { hookPath, startTestService, TEST_ADMIN_TOKEN, type TestService } from '../support/test-service.js';

/** GET /api/v1/incidents/events: the Server-Sent Events stream the console refreshes from. */
let service: TestService;
let stopped = false;

beforeAll(async () => {
  service = await startTestService('sqlite', 'incident-events');
});
afterAll(async () => {
  if (!stopped) await service.stop();
});

/** Reads an event stream until `until` holds for the text received, or the time is up. */
async function readStream(response: Response, until: (text: string) => boolean, ms = 5000): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + ms;
  while (!until(text) && Date.now() < deadline) {
    const chunk = await Promise.race([
      // A stream the server closed ends the read: with "done", or with an error when the socket went first.
      reader.read().catch(() => ({ done: true as const, value: undefined })),
      new Promise<{ done: true; value: undefined }>((resolve) => setTimeout(() => resolve({ done: true, value: undefined }), deadline - Date.now())),
    ]);
    if (chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  await reader.cancel().catch(() => undefined);
  return text;
}

it('needs the admin token or a console session', async () => {
  const answer = await fetch(`${service.url}/api/v1/incidents/events`);
  expect(answer.status).toBe(401);
  expect(await answer.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
});

it('announces each incident change (id, channel, kind) as it is committed', async () => {
  const channel = await createChannel(service, 'sre');
  const integration = await createIntegration(service, { name: 'grafana', channelId: channel.id });
  const stream = await fetch(`${service.url}/api/v1/incidents/events`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
  expect(stream.status).toBe(200);
  expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  expect(stream.headers.get('cache-control')).toBe('no-store');

  const reading = readStream(stream, (text) => text.includes('"kind":"acknowledged"'));
  await new Promise((resolve) => setTimeout(resolve, 100));
  await service.post(hookPath(integration.url), { msg_type: 'text', content: { text: 'db-1 down' } });
  const [incident] = (await service.api('GET', '/incidents')).body.items;
  await service.api('POST', `/incidents/${incident.id}/acknowledge`, {});
  const text = await reading;

  expect(text.startsWith('retry: 3000\nevent: ready\ndata: {}\n\n')).toBe(true);
  const events = text
    .split('\n\n')
    .filter((block) => block.startsWith('event: incident'))
    .map((block) => JSON.parse(block.split('\ndata: ')[1]));
  expect(events).toEqual([
    { incidentId: incident.id, channelId: channel.id, kind: 'triggered' },
    { incidentId: incident.id, channelId: channel.id, kind: 'acknowledged' },
  ]);
});

it('does not keep the service from stopping while a stream is open', async () => {
  const stream = await fetch(`${service.url}/api/v1/incidents/events`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
  expect(stream.status).toBe(200);
  const started = Date.now();
  await service.stop();
  stopped = true;
  expect(Date.now() - started).toBeLessThan(5000);
  const rest = await readStream(stream, () => false, 2000);
  expect(rest).toContain('event: ready');
});
