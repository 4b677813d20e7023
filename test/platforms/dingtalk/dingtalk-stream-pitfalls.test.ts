/**
 * The pitfalls of dingtalk-stream 2.1.5 found against a local gateway, each reproduced against the fake gateway, and
 * what the service's connection does instead: one live socket after a refused handshake, no exception from a timer
 * across reconnects, a silent link noticed within deadLinkMs, a re-delivery after a lost ack handled once, and a
 * reconnect in the middle of a storm that loses and doubles nothing.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { DWClient } from 'dingtalk-stream';
import { DINGTALK_TOPIC_CARD, type DingTalkStreamConnection } from '../../../src/platforms/dingtalk/dingtalk-stream-connection.js';
import { GATEWAY_OPEN_PATH, type FakeDingTalkGateway } from '../../fakes/dingtalk-gateway.js';
import { streamWorlds } from '../../support/dingtalk-stream-helpers.js';
import { waitFor } from '../../support/feishu-app-helpers.js';

const worlds = streamWorlds();
afterEach(() => worlds.cleanup());
afterAll(() => worlds.close());

const PACKAGE_CLIENT = fileURLToPath(new URL('../../support/dingtalk-package-client.mjs', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const opened = (connection: DingTalkStreamConnection) => waitFor('the connection to open', () => (connection.state === 'open' ? true : undefined));

/** The package's client as it ships, only pointed at the fake (its gateway URL is a constant). */
class PackageClientOnFake extends DWClient {
  constructor(
    private readonly apiBaseUrl: string,
    options: { clientId: string; clientSecret: string },
  ) {
    super(options);
  }

  override async getEndpoint(): Promise<this> {
    const response = await fetch(`${this.apiBaseUrl}${GATEWAY_OPEN_PATH}`, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientId: this.config.clientId, clientSecret: this.config.clientSecret, ua: '', subscriptions: this.config.subscriptions }),
    });
    const { endpoint, ticket } = (await response.json()) as { endpoint: string; ticket: string };
    (this as unknown as { dw_url: string }).dw_url = `${endpoint}?ticket=${ticket}`;
    return this;
  }
}

describe('dingtalk-stream pitfalls, and the connection that avoids them', () => {
  it('refused handshake: the package alone ends with two live sockets; the service keeps exactly one and frames reach the handler', async () => {
    const { fake, connection } = await worlds.world();
    // The package's own reconnect: the socket's error and close handlers both schedule one.
    const quiet = [jest.spyOn(console, 'info').mockImplementation(() => undefined), jest.spyOn(console, 'warn').mockImplementation(() => undefined)];
    const app = fake.gateway.apps[0];
    const packageClient = new PackageClientOnFake(fake.apiBaseUrl, { clientId: app.clientId, clientSecret: app.clientSecret });
    packageClient.registerCallbackListener(DINGTALK_TOPIC_CARD, () => undefined);
    try {
      fake.gateway.refuseHandshakes(1);
      await packageClient.connect();
      await waitFor('the package to reconnect twice', () => (fake.gateway.liveSockets === 2 ? true : undefined), 5_000);
      expect(fake.gateway.liveSockets).toBe(2);
    } finally {
      packageClient.disconnect();
      fake.gateway.dropConnections();
      quiet.forEach((spy) => spy.mockRestore());
    }
    await waitFor('the package sockets gone', () => (fake.gateway.liveSockets === 0 ? true : undefined));

    const handled = new Map<string, number>();
    connection.on(DINGTALK_TOPIC_CARD, async (message) => {
      handled.set(message.messageId, (handled.get(message.messageId) ?? 0) + 1);
      return undefined;
    });
    const refusedBefore = fake.gateway.refusedHandshakes;
    fake.gateway.refuseHandshakes(3);
    await connection.start();
    await opened(connection);
    await sleep(300);
    expect(fake.gateway.refusedHandshakes - refusedBefore).toBe(3);
    expect(connection.liveSockets).toBe(1);
    expect(fake.gateway.liveSockets).toBe(1);

    const pushed = Array.from({ length: 20 }, (_, n) => fake.gateway.push(DINGTALK_TOPIC_CARD, { n }));
    await Promise.all(pushed.map((frame) => frame.ack()));
    expect([...handled.values()]).toEqual(Array(20).fill(1));
    // Every frame went to the one live connection, none to an orphan.
    expect(new Set(pushed.map((frame) => fake.gateway.frames.find((f) => (f.frame as any).headers?.messageId === frame.messageId)?.connectionId)).size).toBe(1);
  });

  it('keep-alive in the package: after a refused handshake its heartbeat timer pings a socket still connecting and throws, killing the process', async () => {
    const { fake } = await worlds.world();
    const app = fake.gateway.apps[0];
    // Refused, then the package's two reconnects: the first is accepted, the second (its current socket) hangs.
    fake.gateway.planHandshakes(['refuse', 'accept', 'stall']);
    const child = spawn(process.execPath, [PACKAGE_CLIENT, fake.apiBaseUrl, app.clientId, app.clientSecret, 'true', '100'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const code = await Promise.race([exited, sleep(8_000).then(() => 'still running' as const)]);
      expect(code).not.toBe('still running');
      expect(code).not.toBe(0);
      expect(stderr).toContain('WebSocket is not open: readyState 0 (CONNECTING)');
      expect(fake.gateway.stalledHandshakes).toBe(1);
    } finally {
      if (child.exitCode === null) child.kill();
    }
  });

  it('keep-alive across reconnects: drops, refusals, hanging handshakes and a silent link throw nothing from a timer', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    try {
      // deadLinkMs 200: the watchdog pings every 50 ms, so its timer fires around every reconnect below.
      const { fake, connection } = await worlds.world({ connection: { deadLinkMs: 200, reconnectDelay: { initialMs: 5, maxMs: 20 } } });
      connection.on(DINGTALK_TOPIC_CARD, async () => undefined);
      await connection.start();
      for (let round = 0; round < 6; round += 1) {
        await opened(connection);
        await sleep(60);
        if (round % 2 === 0) fake.gateway.planHandshakes(['refuse', 'stall']);
        if (round === 3) fake.gateway.goSilent();
        else fake.gateway.dropConnections();
        await waitFor('the next connection', () => (fake.gateway.connections.length === round + 2 ? true : undefined));
      }
      await opened(connection);
      await sleep(300);
      expect(uncaught).toEqual([]);
      expect(connection.liveSockets).toBe(1);
      expect(fake.gateway.liveSockets).toBe(1);
      await fake.gateway.push(DINGTALK_TOPIC_CARD, {}).ack();
    } finally {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
    }
  });

  it('a silent link is noticed and replaced within deadLinkMs', async () => {
    const deadLinkMs = 600;
    const { fake, connection, log } = await worlds.world({ connection: { deadLinkMs } });
    let handled = 0;
    connection.on(DINGTALK_TOPIC_CARD, async () => {
      handled += 1;
      return undefined;
    });
    await connection.start();
    await opened(connection);
    await sleep(150);
    const silentFrom = Date.now();
    fake.gateway.goSilent();
    const replacement = await waitFor('a new connection', () => fake.gateway.connections[1], 3_000);
    const noticed = log.entries(/link silent/);
    expect(noticed).toHaveLength(1);
    expect((noticed[0].time as number) - silentFrom).toBeLessThanOrEqual(deadLinkMs);
    // Noticed, waited (≤ 20 ms here), asked connections/open and shook hands again, all within deadLinkMs.
    expect(replacement.openedAt - silentFrom).toBeLessThanOrEqual(deadLinkMs);
    await waitFor('the silent socket gone', () => (fake.gateway.liveSockets === 1 ? true : undefined));
    expect(connection.liveSockets).toBe(1);
    await fake.gateway.push(DINGTALK_TOPIC_CARD, {}).ack();
    expect(handled).toBe(1);
  });

  it('re-delivery after a dropped ack: the handler ran once and the re-delivery is acked with the same answer', async () => {
    const { fake, connection } = await worlds.world();
    const { gate, release } = latch();
    let runs = 0;
    connection.on(DINGTALK_TOPIC_CARD, async () => {
      runs += 1;
      await gate;
      return { cardData: { cardParamMap: { status: 'closed' } } };
    });
    await connection.start();
    await opened(connection);
    const pushed = fake.gateway.push(DINGTALK_TOPIC_CARD, { outTrackId: 'track-9' });
    await waitFor('the handler to start', () => (runs === 1 ? true : undefined));
    // The link drops while the handler works: its ack has nowhere to go.
    fake.gateway.dropConnections();
    await waitFor('the reconnect', () => (fake.gateway.connections.length === 2 && connection.state === 'open' ? true : undefined));
    release();
    const ack = await pushed.ack();
    expect(runs).toBe(1);
    expect(fake.gateway.deliveries(pushed.messageId)).toBe(2);
    expect(ack.connectionId).toBe(fake.gateway.connections[1].id);
    expect(ack.data).toEqual({ response: { cardData: { cardParamMap: { status: 'closed' } } } });
  });

  it('re-delivery reaching the service after a restart (or another instance) is acked without running again', async () => {
    const { fake, connection, another } = await worlds.world();
    const { gate, release } = latch();
    let firstRuns = 0;
    connection.on(DINGTALK_TOPIC_CARD, async () => {
      firstRuns += 1;
      await gate;
      return undefined;
    });
    await connection.start();
    await opened(connection);
    const pushed = fake.gateway.push(DINGTALK_TOPIC_CARD, { outTrackId: 'track-r' });
    await waitFor('the handler to start', () => (firstRuns === 1 ? true : undefined));
    fake.gateway.dropConnections();
    release();
    await connection.stop();

    const restarted = another();
    let laterRuns = 0;
    restarted.on(DINGTALK_TOPIC_CARD, async () => {
      laterRuns += 1;
      return undefined;
    });
    await restarted.start();
    const ack = await pushed.ack();
    expect(ack).toMatchObject({ code: 200, data: {} });
    expect(firstRuns).toBe(1);
    expect(laterRuns).toBe(0);
  });

  it('reconnect in the middle of a storm of 200 callbacks: every one handled exactly once and acked', async () => {
    const { fake, connection } = await worlds.world({ gateway: { redeliverAfterMs: 250 } });
    const runs = new Map<string, number>();
    let dropped = false;
    connection.on(DINGTALK_TOPIC_CARD, async (message) => {
      runs.set(message.messageId, (runs.get(message.messageId) ?? 0) + 1);
      const { n } = message.data as { n: number };
      if (n === 60 && !dropped) {
        // The link breaks in the middle of the storm, while this handler and others are still working.
        dropped = true;
        fake.gateway.dropConnections();
        fake.gateway.refuseHandshakes(1);
      }
      await sleep(Math.floor(Math.random() * 15));
      return { n };
    });
    await connection.start();
    await opened(connection);
    const pushed = Array.from({ length: 120 }, (_, n) => fake.gateway.push(DINGTALK_TOPIC_CARD, { n }));
    await waitFor('the drop', () => (dropped ? true : undefined));
    pushed.push(...Array.from({ length: 80 }, (_, n) => fake.gateway.push(DINGTALK_TOPIC_CARD, { n: 120 + n })));
    await Promise.all(pushed.map((frame) => frame.ack(10_000)));

    expect(runs.size).toBe(200);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(fake.gateway.unacked()).toEqual([]);
    // The storm did cross the reconnect: some frames had to come twice.
    expect(pushed.reduce((sum, frame) => sum + fake.gateway.deliveries(frame.messageId), 0)).toBeGreaterThan(200);
    expect(lastAckData(fake.gateway, pushed[150].messageId)).toEqual({ response: { n: 150 } });
    expect(connection.liveSockets).toBe(1);
    expect(fake.gateway.liveSockets).toBe(1);
  });
});

function latch(): { gate: Promise<void>; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return { gate, release };
}

function lastAckData(gateway: FakeDingTalkGateway, messageId: string): unknown {
  return gateway.acks.filter((ack) => ack.messageId === messageId).at(-1)?.data;
}
