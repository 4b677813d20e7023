/**
 * The whole local DingTalk on one HTTP server: the OpenAPI (dingtalk-open-api.ts) and, once attached, the Stream
 * gateway. The app's DINGTALK_API_BASE_URL and DINGTALK_OAPI_BASE_URL both point at `fake.url`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDingTalkOpenApiState, FakeDingTalkOpenApi, type FakeDingTalkState } from './dingtalk-open-api.js';

/** What serves other paths of the same server (the Stream gateway's connections/open and its WebSocket). */
export interface DingTalkSideService {
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  attach?(server: Server): void;
}

export class FakeDingTalk {
  readonly openApi: FakeDingTalkOpenApi;
  private readonly sides: DingTalkSideService[] = [];

  private constructor(
    readonly state: FakeDingTalkState,
    private readonly server: Server,
    readonly url: string,
  ) {
    this.openApi = new FakeDingTalkOpenApi(state);
  }

  static async start(options: Parameters<typeof createDingTalkOpenApiState>[0] = {}): Promise<FakeDingTalk> {
    const state = createDingTalkOpenApiState(options);
    let fake: FakeDingTalk | undefined;
    const server = createServer((req, res) => {
      if (fake?.openApi.handle(req, res)) return;
      if (fake?.sides.some((side) => side.handle(req, res))) return;
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'InvalidAction.NotFound', message: 'Specified api is not found' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeDingTalk(state, server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return fake;
  }

  /** Serves another part of DingTalk (the gateway) on this server. */
  mount(side: DingTalkSideService): void {
    this.sides.push(side);
    side.attach?.(this.server);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
