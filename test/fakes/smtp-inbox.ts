import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  raw: string;
}

/**
 * The receiving end of outgoing mail: a real SMTP server (smtp-server) on 127.0.0.1 that keeps what it accepts.
 * `requireAuth` makes it refuse other logins with 535; `refuseRecipients` answers 550 for those addresses;
 * `down()` makes every transaction fail with 421 (a server in trouble) until `up()`.
 */
export class SmtpInbox {
  readonly received: ReceivedMail[] = [];
  private unavailable = false;
  private server?: SMTPServer;
  port = 0;

  constructor(private readonly options: { requireAuth?: { user: string; pass: string }; refuseRecipients?: string[] } = {}) {}

  async start(): Promise<this> {
    const { requireAuth, refuseRecipients = [] } = this.options;
    this.server = new SMTPServer({
      secure: false,
      authOptional: !requireAuth,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth: (auth, _session, callback) => {
        if (requireAuth && auth.username === requireAuth.user && auth.password === requireAuth.pass) return callback(null, { user: auth.username });
        const error = Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 });
        callback(error);
      },
      onMailFrom: (_address, _session, callback) => {
        if (this.unavailable) return callback(Object.assign(new Error('Service not available, closing transmission channel'), { responseCode: 421 }));
        callback();
      },
      onRcptTo: (address, _session, callback) => {
        if (refuseRecipients.includes(address.address)) return callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          void simpleParser(raw).then((parsed: ParsedMail) => {
            this.received.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              raw: raw.toString('utf8'),
            });
            callback();
          }, callback);
        });
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  down(): void {
    this.unavailable = true;
  }

  up(): void {
    this.unavailable = false;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
