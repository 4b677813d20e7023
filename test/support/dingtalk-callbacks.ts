import { FakeDingTalkGateway } from '../fakes/dingtalk-gateway.js';
import type { FakeDingTalk } from '../fakes/dingtalk.js';
import { waitFor } from './feishu-app-helpers.js';

/** A click has to be answered within this, as on Feishu (DingTalk shows the click as failed after a few seconds). */
export const CALLBACK_ANSWER_MS = 3000;

/**
 * Callbacks as DingTalk delivers them: CALLBACK frames pushed by the fake Stream gateway to the service's real
 * `dingtalk-stream` connection, answered with the ack's response.
 */
export class DingTalkCallbacks {
  readonly gateway: FakeDingTalkGateway;

  constructor(fake: FakeDingTalk) {
    this.gateway = new FakeDingTalkGateway({
      apps: [{ clientId: fake.state.clientId, clientSecret: fake.state.clientSecret, appId: 'oncall-app' }],
      redeliverAfterMs: 1500,
      disconnectGraceMs: 200,
    });
    fake.mount(this.gateway);
  }

  /** Once the app's Stream connection is open. */
  async ready(): Promise<void> {
    await waitFor('the app’s Stream connection', () => (this.gateway.liveSockets === 1 ? true : undefined), 10_000);
  }

  /** Pushes a callback and returns the app's response (the ack's `data.response`). */
  async deliver(topic: string, data: unknown, messageId?: string): Promise<unknown> {
    const pushed = this.gateway.push(topic, data, messageId ? { messageId } : {});
    const ack = await pushed.ack(CALLBACK_ANSWER_MS);
    return (ack.data as { response?: unknown } | undefined)?.response;
  }
}
