import { ImapFlow } from 'imapflow';
import type { Integration } from '../../db/entities/integration.entity.js';
import { forEachBounded } from '../../lib/for-each-bounded.js';
import type { SourceDeps } from '../source-type.js';
import { emailSettings, type EmailSettings } from './email-settings.js';
import { formatBytes, MAX_MESSAGE_BYTES, parseEmail, UnreadableEmail } from './email-message.parser.js';
import { describeImapError } from './imap-errors.js';
import { byteBudget, markProcessed, type SizedMessage } from './processed-messages.js';

/** Email alerts arrive as Warning, as Feishu-compatible ones do. */
const EMAIL_SEVERITY = 'warning';
/** UIDs handled per round: their sources are held in memory together (each at most MAX_MESSAGE_BYTES). */
const UIDS_PER_ROUND = 100;
/** Alerts written at once: enough to fill the ingest's batching writer. */
const INGEST_CONCURRENCY = 16;
const CONNECT_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;
/** Metrics count refusals by answer code; mail has no answer of its own, so SMTP-style codes name them. */
const REFUSED = { unreadable: 554, keywordsNotFound: 550 };

interface Fetched extends SizedMessage {
  source?: Buffer;
}

/**
 * Watches one integration's IMAP folder: every unseen message becomes an alert, then is marked seen (or moved).
 * The alert and its receipt (integration, UID validity, UID) commit together, so a restart between the commit and the
 * flag, or two instances on one mailbox, never make one email two alerts; a message is flagged only after its alert
 * is stored, so none is skipped. New mail is noticed at once with IMAP IDLE (imapflow idles when the server offers
 * it) and at the latest every `pollSeconds`.
 */
export class MailboxWatcher {
  private client?: ImapFlow;
  private stopping = false;
  private wake?: () => void;
  private running?: Promise<void>;
  private readonly settings: EmailSettings;

  constructor(
    private readonly integration: Integration,
    private readonly deps: SourceDeps,
  ) {
    this.settings = emailSettings(integration);
  }

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    // A server that stopped answering must not hold up the shutdown: after a grace the connection is cut. Messages
    // stored but not yet flagged are recognised by their receipts at the next check.
    const cut = setTimeout(() => this.dropClient(), STOP_GRACE_MS);
    await this.running;
    clearTimeout(cut);
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.check();
        if (this.stopping) break;
        await this.deps.health.checkSucceeded(this.integration.id);
      } catch (error) {
        this.dropClient();
        if (this.stopping) break;
        const message = describeImapError(error, this.settings);
        this.deps.logger.warn({ integrationId: this.integration.id, reason: message }, 'email check failed');
        const keepGoing = await this.deps.incomingErrors.checkFailed(this.integration, message).catch((recordError: unknown) => {
          this.deps.logger.error({ err: recordError, integrationId: this.integration.id }, 'email check failure not recorded');
          return true;
        });
        if (!keepGoing) break;
      }
      await this.waitForMail();
    }
    if (this.client?.usable) await this.client.logout().catch(() => undefined);
    this.dropClient();
  }

  /** Resolves after `pollSeconds`, or sooner when the server announces new mail (IDLE) or on stop. */
  private waitForMail(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.settings.pollSeconds * 1000);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async connect(): Promise<ImapFlow> {
    if (this.client?.usable) return this.client;
    this.dropClient();
    const client = new ImapFlow({
      host: this.settings.imapHost!,
      port: this.settings.imapPort,
      secure: this.settings.imapTls,
      auth: { user: this.settings.imapUser!, pass: this.settings.imapPassword! },
      logger: false,
      connectionTimeout: CONNECT_TIMEOUT_MS,
      greetingTimeout: CONNECT_TIMEOUT_MS,
    });
    // A dropped connection surfaces at the next check; the error event must not crash the process meanwhile.
    client.on('error', () => undefined);
    client.on('exists', () => this.wake?.());
    this.client = client;
    await client.connect();
    return client;
  }

  private dropClient(): void {
    const client = this.client;
    this.client = undefined;
    client?.close();
  }

  private async check(): Promise<void> {
    const client = await this.connect();
    const lock = await client.getMailboxLock(this.settings.imapFolder);
    try {
      const validity = String(client.mailbox ? client.mailbox.uidValidity : 0);
      const unseen = ((await client.search({ seen: false }, { uid: true })) || []).sort((a, b) => a - b);
      for (let start = 0; start < unseen.length && !this.stopping; start += UIDS_PER_ROUND) {
        await this.round(client, validity, unseen.slice(start, start + UIDS_PER_ROUND));
      }
    } finally {
      lock.release();
    }
  }

  /** One round: sizes, then the sources that fit, then alerts, then the flags of what is done. */
  private async round(client: ImapFlow, validity: string, uids: number[]): Promise<void> {
    const fetched: Fetched[] = [];
    for await (const message of client.fetch(uids, { uid: true, size: true }, { uid: true })) fetched.push({ uid: message.uid, size: message.size ?? 0 });
    const wanted = fetched.filter((message) => message.size <= MAX_MESSAGE_BYTES);
    for (const part of byteBudget(wanted)) {
      const byUid = new Map(part.map((message) => [message.uid, message]));
      for await (const message of client.fetch(part.map((entry) => entry.uid), { uid: true, source: true }, { uid: true })) {
        const entry = byUid.get(message.uid);
        if (entry && message.source) entry.source = message.source;
      }
    }
    const done: number[] = [];
    let received = 0;
    let failure: unknown;
    await forEachBounded(fetched, INGEST_CONCURRENCY, async (message) => {
      if (this.stopping) return;
      try {
        if (await this.toAlert(validity, message)) received++;
        done.push(message.uid);
      } catch (error) {
        if (error instanceof UnreadableEmail) {
          await this.deps.health.messageRefused(this.integration.id, `message UID ${message.uid}: ${error.message}; it is left in the mailbox, marked seen`);
          this.deps.metrics.alertRejected(this.integration.id, REFUSED.unreadable);
          done.push(message.uid);
          return;
        }
        // Ours (the database): the message stays unseen and is read again at the next check.
        failure ??= error;
        this.deps.metrics.alertFailed(this.integration.id);
      }
    });
    if (done.length > 0) await markProcessed(client, done, this.settings);
    if (received > 0) await this.deps.health.received(this.integration.id);
    if (failure) throw failure;
  }

  /** True when the message was received now (not already by an earlier run). */
  private async toAlert(validity: string, message: Fetched): Promise<boolean> {
    if (message.size > MAX_MESSAGE_BYTES) throw new UnreadableEmail(`the message is ${formatBytes(message.size)}, over the ${formatBytes(MAX_MESSAGE_BYTES)} limit`);
    if (!message.source) throw new UnreadableEmail('the server sent no content for it');
    const parsed = await parseEmail(message.source);
    const { integration } = this;
    if (integration.keywords.length > 0) {
      const text = `${parsed.message.title}\n${parsed.message.content}`;
      if (!integration.keywords.some((keyword) => text.includes(keyword))) {
        this.deps.metrics.alertRejected(integration.id, REFUSED.keywordsNotFound);
        return true;
      }
    }
    const outcome = await this.deps.ingest.ingest({
      integration,
      message: parsed.message,
      severity: EMAIL_SEVERITY,
      rawPayload: parsed.headers,
      receiptKey: `email:${integration.id}:${validity}:${message.uid}`,
    });
    this.deps.logger.debug({ integrationId: integration.id, uid: message.uid, ...outcome }, 'email alert received');
    if (outcome.outcome === 'duplicate') return false;
    this.deps.metrics.alertAccepted(integration.id);
    return true;
  }

}
