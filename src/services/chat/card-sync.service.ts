import { ChatBindingEntity } from '../../db/entities/chat-binding.entity.js';
import { ChatMessageEntity, type ChatMessage } from '../../db/entities/chat-message.entity.js';
import { IncidentEntity } from '../../db/entities/incident.entity.js';
import { isUniqueViolation, type Database } from '../../db/database.js';
import type { Logger } from '../../lib/logger.js';
import type { CardOperation, Metrics } from '../../lib/metrics.js';
import { backoff, type ClassifiedError } from '../../lib/retry.js';
import type { IncidentView } from '../../rendering/incident-view.js';
import type { IncidentChange, IncidentChangeFeed } from '../incidents/incident-change-feed.js';
import type { IncidentViewService } from '../incidents/incident-view.service.js';
import { RecentRedraws } from './recent-redraws.js';
import type { IncidentCards } from '../ports/capabilities.js';
import { failureKind } from '../ports/platform-error.js';
import type { DestinationRegistry } from '../registry/destination-registry.js';

/** One destination's cards, by its name. */
interface CardLane {
  name: PlatformName;
  cards: IncidentCards;
}
import type { PlatformName } from '../../domain/platform-name.js';

const CARD_CLAIM_INDEX = { name: 'uq_chat_messages_card', columns: 'chat_messages.platform, chat_messages.chat_id, chat_messages.incident_id' };
/** A claim whose owner never finished posting (crash) is taken over after this long. */
const STALE_CLAIM_MS = 60_000;

/** What the change that started a sync already tells: no need to read the incident again. */
type KnownState = Required<Pick<IncidentChange, 'channelId' | 'view'>> & Pick<IncidentChange, 'redrawn'>;

interface SyncState {
  running: Promise<void>;
  dirty: boolean;
}

/**
 * How many times in a row a sync may find the incident changed behind the cards it just sent, and go again. Bounds the
 * work an incident that changes without pause costs; its next change starts a new sync anyway.
 */
const MAX_SETTLE_PASSES = 3;

/** What one pass over an incident's chats did. */
interface SyncOutcome {
  /** A card was not delivered for a retryable reason. */
  unavailable: boolean;
  /** The state the cards were sent with, when any was sent. */
  shown?: IncidentView;
}

/** When a card could not be delivered because its platform was unavailable: the next try, and how many came before. */
interface Redelivery {
  timer?: NodeJS.Timeout;
  attempt: number;
}

export interface CardRedeliveryOptions {
  /** Longest wait before the first new try of a card its platform could not take; doubling up to maxDelayMs, jittered down to half. */
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_CARD_REDELIVERY: CardRedeliveryOptions = { firstDelayMs: 10_000, maxDelayMs: 5 * 60_000 };

/**
 * Keeps every card of an incident, in every bound chat on every platform, showing the incident's latest state.
 * Changes to one incident are coalesced: while a sync runs, further changes only mark it dirty, and one more
 * sync with the newest state follows — an alert storm costs a few updates, not one per alert.
 *
 * Each platform has its own lane per incident: a platform that is down or slow (its calls time out after retries)
 * never holds up the cards on another. A card its platform could not take for a retryable reason (unavailable,
 * rate limited) is tried again later with the incident's newest state, until it is delivered — so a message posted
 * during an outage shows up once the platform is back. These retries live in this process only.
 */
export class CardSyncService {
  /** Keyed `${platform}:${incidentId}`. */
  private readonly syncs = new Map<string, SyncState>();
  private readonly redeliveries = new Map<string, Redelivery>();
  private readonly redraws = new RecentRedraws();
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly views: IncidentViewService,
    private readonly destinations: DestinationRegistry,
    private readonly logger: Logger,
    private readonly metrics: Pick<Metrics, 'cardCall' | 'cardFailed'>,
    private readonly redelivery: CardRedeliveryOptions = DEFAULT_CARD_REDELIVERY,
  ) {}

  attach(feed: IncidentChangeFeed): void {
    feed.subscribe((change) => {
      void this.schedule(change.incidentId, this.knownFrom(change));
    });
  }

  /**
   * Resolves once the incident's cards show at least the state as of this call. `known` is used only when no sync
   * of the incident is running: a running one may still update cards with an older state, so the sync that follows
   * it reads the incident afresh and updates every card, a redrawn one too.
   */
  schedule(incidentId: number, known?: KnownState): Promise<void> {
    const lanes = this.destinations.with('cards').map(({ name, capability }) => ({ name: name as PlatformName, cards: capability }));
    return Promise.all(lanes.map((lane) => this.scheduleOn(lane, incidentId, known))).then(() => undefined);
  }

  /** Waits until no sync is running (tests and graceful shutdown); pending redeliveries are not waited for. */
  async idle(): Promise<void> {
    while (this.syncs.size > 0) await Promise.all([...this.syncs.values()].map((state) => state.running));
  }

  /** Shutdown: no more redeliveries (syncs running now still finish; see idle()). */
  close(): void {
    this.closed = true;
    for (const pending of this.redeliveries.values()) clearTimeout(pending.timer);
    this.redeliveries.clear();
  }

  /** Incidents with a card waiting for its platform to come back, as `${platform}:${incidentId}` (tests). */
  pendingRedeliveries(): string[] {
    return [...this.redeliveries.entries()].filter(([, pending]) => pending.timer).map(([key]) => key);
  }

  private scheduleOn(platform: CardLane, incidentId: number, known?: KnownState): Promise<void> {
    const key = `${platform.name}:${incidentId}`;
    const current = this.syncs.get(key);
    if (current) {
      current.dirty = true;
      return current.running;
    }
    const state: SyncState = { running: Promise.resolve(), dirty: true };
    state.running = (async () => {
      let given = known;
      let unavailable = false;
      let settlePasses = 0;
      try {
        while (state.dirty) {
          state.dirty = false;
          const thisTime = given;
          given = undefined;
          const outcome = await this.syncOnce(platform, incidentId, thisTime).catch((error: unknown): SyncOutcome => {
            this.logger.error({ err: error, incidentId, platform: platform.name }, 'card sync failed');
            return { unavailable: false };
          });
          unavailable = outcome.unavailable;
          if (!state.dirty && outcome.shown && settlePasses < MAX_SETTLE_PASSES && (await this.changedSince(incidentId, outcome.shown))) {
            settlePasses += 1;
            state.dirty = true;
          }
        }
      } finally {
        this.syncs.delete(key);
      }
      this.afterSync(platform, incidentId, unavailable);
    })();
    this.syncs.set(key, state);
    return state.running;
  }

  /** The last sync of the lane left a card undelivered for a retryable reason: try again later, else forget. */
  private afterSync(platform: CardLane, incidentId: number, unavailable: boolean): void {
    const key = `${platform.name}:${incidentId}`;
    const pending = this.redeliveries.get(key);
    if (!unavailable) {
      if (pending) clearTimeout(pending.timer);
      this.redeliveries.delete(key);
      return;
    }
    if (this.closed || pending?.timer) return;
    const attempt = (pending?.attempt ?? 0) + 1;
    const delay = backoff(attempt, this.redelivery.firstDelayMs, this.redelivery.maxDelayMs);
    const timer = setTimeout(() => {
      const current = this.redeliveries.get(key);
      if (current) current.timer = undefined;
      void this.scheduleOn(platform, incidentId);
    }, delay);
    timer.unref();
    this.redeliveries.set(key, { timer, attempt });
    this.logger.info({ incidentId, platform: platform.name, attempt, delayMs: Math.round(delay) }, 'card redelivery scheduled');
  }

  /** Two clicks' answers redrawing one incident at once: read it afresh and update every card instead. */
  private knownFrom(change: IncidentChange): KnownState | undefined {
    if (!change.view) return undefined;
    if (change.redrawn && !this.redraws.alone(change.incidentId)) return undefined;
    return { channelId: change.channelId, view: change.view, redrawn: change.redrawn };
  }

  /**
   * Whether the incident no longer looks as `shown`. Another instance may have changed it while this one waited for
   * its turn to send (pacing is shared between instances), and that instance's newer card may have gone out before
   * this one's older one, or been skipped because this one was still posting: then this one sends again.
   */
  private async changedSince(incidentId: number, shown: IncidentView): Promise<boolean> {
    try {
      return JSON.stringify(await this.views.build(incidentId)) !== JSON.stringify(shown);
    } catch {
      return false; // gone, or the database is away: the next change syncs again
    }
  }

  /** Syncs the incident's cards on one platform. */
  private async syncOnce(platform: CardLane, incidentId: number, known?: KnownState): Promise<SyncOutcome> {
    const channelId = known?.channelId ?? (await this.db.manager.findOneBy(IncidentEntity, { id: incidentId }))?.channelId;
    if (channelId === undefined) return { unavailable: false };
    const [bindings, posted] = await Promise.all([
      this.db.manager.findBy(ChatBindingEntity, { channelId, platform: platform.name }),
      this.db.manager.findBy(ChatMessageEntity, { incidentId, platform: platform.name }),
    ]);
    const targets = new Map<string, { platform: PlatformName; chatId: string; message?: ChatMessage }>();
    for (const binding of bindings) targets.set(`${binding.platform}:${binding.chatId}`, { platform: binding.platform, chatId: binding.chatId });
    for (const message of posted) targets.set(`${message.platform}:${message.chatId}`, { platform: message.platform, chatId: message.chatId, message });
    const redrawn = known?.redrawn;
    if (redrawn) {
      const key = `${redrawn.platform}:${redrawn.chatId}`;
      if (targets.get(key)?.message?.messageId === redrawn.messageId) targets.delete(key);
    }
    if (targets.size === 0) return { unavailable: false };

    const view = known?.view ?? (await this.views.build(incidentId));
    const undelivered = await Promise.all(
      [...targets.values()].map(async (target) => {
        try {
          await this.syncChat(platform, target.chatId, view, target.message);
          return false;
        } catch (error) {
          this.logger.warn({ err: error, incidentId, platform: platform.name, chatId: target.chatId }, 'card not delivered');
          return (error as Partial<ClassifiedError>).retryable === true;
        }
      }),
    );
    return { unavailable: undelivered.includes(true), shown: view };
  }

  private async syncChat(platform: CardLane, chatId: string, view: IncidentView, message?: ChatMessage): Promise<void> {
    if (!message) {
      await this.postClaimed(platform, chatId, view);
      return;
    }
    if (message.messageId === null) {
      if (Date.now() - message.createdAt.getTime() < STALE_CLAIM_MS) return; // its owner is posting right now
      const taken = await this.db.manager.update(
        ChatMessageEntity,
        { id: message.id, createdAt: message.createdAt },
        { createdAt: new Date() },
      );
      if (taken.affected === 1) await this.post(platform, chatId, view, message.id);
      return;
    }
    const messageId = message.messageId;
    const result = await this.counted(platform, 'update', () => platform.cards.updateIncidentCard(chatId, messageId, view));
    if (result === 'gone') await this.post(platform, chatId, view, message.id);
  }

  /** Claims the (platform, chat, incident) row first: of two concurrent triggers only one posts. */
  private async postClaimed(platform: CardLane, chatId: string, view: IncidentView): Promise<void> {
    let claimId: number;
    try {
      const claim = await this.db.manager.insert(ChatMessageEntity, {
        platform: platform.name,
        chatId,
        incidentId: view.id,
        messageId: null,
        postedAt: null,
        createdAt: new Date(),
      });
      claimId = Number(claim.identifiers[0].id);
    } catch (error) {
      if (isUniqueViolation(error, CARD_CLAIM_INDEX)) return;
      throw error;
    }
    try {
      await this.post(platform, chatId, view, claimId);
    } catch (error) {
      await this.db.manager.delete(ChatMessageEntity, { id: claimId });
      throw error;
    }
  }

  private async post(platform: CardLane, chatId: string, view: IncidentView, rowId: number): Promise<void> {
    const messageId = await this.counted(platform, 'post', () => platform.cards.postIncidentCard(chatId, view));
    await this.db.manager.update(ChatMessageEntity, rowId, { messageId, postedAt: new Date() });
  }

  private async counted<T>(platform: CardLane, operation: CardOperation, call: () => Promise<T>): Promise<T> {
    this.metrics.cardCall(platform.name, operation);
    try {
      return await call();
    } catch (error) {
      this.metrics.cardFailed(platform.name, operation, failureKind(error));
      throw error;
    }
  }
}
