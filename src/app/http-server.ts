import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';

export interface HttpServer {
  server: Server;
  /** Listens, or fails with a message an admin can act on (the port is taken, the address is not this host's …). */
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 3000;

export function initHttpServer(app: Koa): HttpServer {
  const server = createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        const failed = (error: NodeJS.ErrnoException) => {
          const reason = error.code === 'EADDRINUSE' ? 'the port is already in use' : error.code === 'EACCES' ? 'permission denied' : error.message;
          reject(new Error(`cannot listen on ${host}:${port}: ${reason} (set PORT / HOST to change it)`));
        };
        server.once('error', failed);
        server.listen(port, host, () => {
          server.off('error', failed);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: async () => {
      if (!server.listening) return;
      await new Promise<void>((resolve) => {
        // Requests in flight get a grace period; a connection still open after it (a client that stopped reading a
        // long-lived response) is cut, so one browser tab cannot hold the shutdown.
        const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
