import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * An IMAP server on 127.0.0.1 that greets, answers CAPABILITY, and refuses every LOGIN with `refusal` as the server's
 * own words (a NO [AUTHENTICATIONFAILED] line): what a mailbox provider with a bad day, or a hostile one, might say.
 */
export class RefusingImap {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly refusal: string) {}

  async start(): Promise<this> {
    this.server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve) ?? resolve(undefined));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.write('* OK [CAPABILITY IMAP4rev1] fake IMAP ready\r\n');
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const [tag, command = ''] = line.split(' ');
        switch (command.toUpperCase()) {
          case 'CAPABILITY':
            socket.write(`* CAPABILITY IMAP4rev1\r\n${tag} OK CAPABILITY done\r\n`);
            break;
          case 'LOGIN':
          case 'AUTHENTICATE':
            socket.write(`${tag} NO [AUTHENTICATIONFAILED] ${this.refusal}\r\n`);
            break;
          case 'LOGOUT':
            socket.end(`* BYE\r\n${tag} OK LOGOUT done\r\n`);
            break;
          default:
            socket.write(`${tag} BAD unknown command\r\n`);
        }
      }
    });
  }
}
