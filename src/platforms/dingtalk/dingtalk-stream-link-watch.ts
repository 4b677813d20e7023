import { WebSocket } from 'ws';

/**
 * Notices a silently dead link: pings the gateway every quarter of `deadLinkMs` (DingTalk answers WebSocket pings),
 * counts anything heard (frames, pongs, pings) as a sign of life, and cuts the socket once nothing was heard for half
 * of it (two unanswered pings). The check runs every quarter, so the cut comes at most three quarters of `deadLinkMs`
 * after the last sign of life, leaving the last quarter for a late timer and the reconnect. Cutting makes the socket
 * close, which the connection loop answers by reconnecting.
 */
export class DingTalkStreamLinkWatch {
  private timer?: NodeJS.Timeout;
  private socket?: WebSocket;
  private lastHeard = 0;
  private readonly heard = (): void => {
    this.lastHeard = Date.now();
  };

  constructor(
    private readonly deadLinkMs: number,
    private readonly onSilent: (silentMs: number) => void,
  ) {}

  start(socket: WebSocket): void {
    this.stop();
    this.socket = socket;
    this.lastHeard = Date.now();
    socket.on('message', this.heard);
    socket.on('pong', this.heard);
    socket.on('ping', this.heard);
    this.timer = setInterval(() => this.check(), Math.floor(this.deadLinkMs / 4));
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.socket?.off('message', this.heard);
    this.socket?.off('pong', this.heard);
    this.socket?.off('ping', this.heard);
    this.socket = undefined;
  }

  private check(): void {
    const socket = this.socket;
    if (!socket) return;
    // A timer callback must never throw: an exception here would take the whole service down.
    try {
      const silentMs = Date.now() - this.lastHeard;
      if (silentMs >= this.deadLinkMs / 2) {
        this.stop();
        this.onSilent(silentMs);
        socket.terminate();
        return;
      }
      if (socket.readyState === WebSocket.OPEN) socket.ping();
    } catch {
      // ping() throws only when the socket stopped being open; its close event does the rest.
    }
  }
}
