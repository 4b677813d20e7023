import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import { AppError } from '../../lib/errors.js';
import type { IncidentChange, IncidentChangeFeed } from '../../services/incidents/incident-change-feed.js';

const HEARTBEAT_MS = 25_000;
/** One browser tab each; beyond this an instance refuses more rather than holding unbounded sockets. */
const MAX_STREAMS = 500;

/**
 * `GET /api/v1/incidents/events`: a Server-Sent Events stream of incident changes (id, channel, kind) as this
 * instance's change feed announces them. Clients re-read what they show; they also re-read now and then, since a
 * change handled by another instance is announced there.
 */
export class IncidentEventStreams {
  private readonly streams = new Set<ServerResponse>();
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(changes: IncidentChangeFeed) {
    this.unsubscribe = changes.subscribe((change) => this.broadcast(change));
    this.heartbeat = setInterval(() => this.send(': keep-alive\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Answers `GET /api/v1/incidents/events`: keeps the response open and writes each change to it. */
  open(ctx: Context): void {
    if (this.streams.size >= MAX_STREAMS) {
      throw new AppError('unavailable', 'too many open event streams on this instance', undefined, 30);
    }
    // The response is written here directly, for as long as the browser keeps it open (Koa does not send it).
    ctx.respond = false;
    const response = ctx.res;
    this.streams.add(response);
    // The client went away: nothing more to send, and its connection is not kept for another request.
    const drop = () => {
      this.streams.delete(response);
      response.destroy();
    };
    ctx.req.on('close', drop);
    response.on('error', drop);
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
      'X-Content-Type-Options': 'nosniff',
    });
    response.write('retry: 3000\nevent: ready\ndata: {}\n\n');
  }

  /** Ends every open stream (at shutdown: an open stream would keep the HTTP server from closing). */
  close(): void {
    this.unsubscribe();
    clearInterval(this.heartbeat);
    // Ended, then closed: a client that does not read (a paused tab) must not hold the server's shutdown open.
    for (const response of this.streams) response.end(() => response.destroy());
    this.streams.clear();
  }

  private broadcast(change: IncidentChange): void {
    this.send(`event: incident\ndata: ${JSON.stringify({ incidentId: change.incidentId, channelId: change.channelId, kind: change.kind })}\n\n`);
  }

  private send(text: string): void {
    for (const response of this.streams) response.write(text);
  }
}
