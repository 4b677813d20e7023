/**
 * dingtalk-stream's DWClient exactly as it ships, pointed at a fake gateway (its gateway URL is a constant, so only
 * getEndpoint() is replaced), run in a child process so that a crash from one of its timers takes down this process
 * and not the test runner. Acks every card callback.
 *
 *   node dingtalk-package-client.mjs <apiBaseUrl> <clientId> <clientSecret> <keepAlive: true|false> <heartbeatMs>
 */
import { DWClient } from 'dingtalk-stream';

const [apiBaseUrl, clientId, clientSecret, keepAlive, heartbeatMs] = process.argv.slice(2);

class PackageClientOnFake extends DWClient {
  async getEndpoint() {
    const response = await fetch(`${apiBaseUrl}/v1.0/gateway/connections/open`, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientId: this.config.clientId, clientSecret: this.config.clientSecret, ua: '', subscriptions: this.config.subscriptions }),
    });
    const { endpoint, ticket } = await response.json();
    this.dw_url = `${endpoint}?ticket=${ticket}`;
    return this;
  }
}

const client = new PackageClientOnFake({ clientId, clientSecret, keepAlive: keepAlive === 'true' });
// The package's 8 s heartbeat, shortened so the test does not wait for it.
client.heartbeat_interval = Number(heartbeatMs);
client.registerCallbackListener('/v1.0/card/instances/callback', (message) => client.socketCallBackResponse(message.headers.messageId, {}));
void client.connect();
