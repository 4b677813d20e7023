import { In } from 'typeorm';
import { ChatBindingEntity, type PlatformName } from '../db/entities/chat-binding.entity.js';
import { ChatMessageEntity, type ChatMessage } from '../db/entities/chat-message.entity.js';
import { IncidentEntity } from '../db/entities/incident.entity.js';
import { isUniqueViolation, type Database } from '../db/database.js';
import type { Logger } from '../lib/logger.js';
import type { IncidentView } from '../rendering/incident-view.js';
import type { IncidentChange, IncidentChangeFeed } from './incident-change-feed.js';
import type { IncidentViewService } from './incident-view.service.js';
import { RecentRedraws } from './recent-redraws.js';
import type { ChatPlatform } from './ports/chat-platform.js';

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
 * Keeps every card of an incident, in every bound chat on every platform, showing the incident's latest state.
 * Changes to one incident are coalesced: while a sync runs, further changes only mark it dirty, and one more
 * sync with the newest state follows — an alert storm costs a few updates, not one per alert.
 */
export class CardSyncService {
  private readonly syncs = new Map<number, SyncState>();
  private readonly redraws = new RecentRedraws();

  constructor(
    private readonly db: Database,
    private readonly views: IncidentViewService,
    private readonly platforms: ChatPlatform[],
    private readonly logger: Logger,
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
    const current = this.syncs.get(incidentId);
    if (current) {
      current.dirty = true;
      return current.running;
    }
    const state: SyncState = { running: Promise.resolve(), dirty: true };
    state.running = (async () => {
      let given = known;
      try {
        while (state.dirty) {
          state.dirty = false;
          const thisTime = given;
          given = undefined;
          await this.syncOnce(incidentId, thisTime).catch((error: unknown) =>
            this.logger.error({ err: error, incidentId }, 'card sync failed'),
          );
        }
      } finally {
        this.syncs.delete(incidentId);
      }
    })();
    this.syncs.set(incidentId, state);
    return state.running;
  }

  /** Waits until no sync is running (tests and graceful shutdown). */
  async idle(): Promise<void> {
    while (this.syncs.size > 0) await Promise.all([...this.syncs.values()].map((state) => state.running));
  }

  /** Two clicks' answers redrawing one incident at once: read it afresh and update every card instead. */
  private knownFrom(change: IncidentChange): KnownState | undefined {
    if (!change.view) return undefined;
    if (change.redrawn && !this.redraws.alone(change.incidentId)) return undefined;
    return { channelId: change.channelId, view: change.view, redrawn: change.redrawn };
  }

  private async syncOnce(incidentId: number, known?: KnownState): Promise<void> {
    if (this.platforms.length === 0) return;
    const channelId = known?.channelId ?? (await this.db.manager.findOneBy(IncidentEntity, { id: incidentId }))?.channelId;
    if (channelId === undefined) return;
    const names = this.platforms.map((platform) => platform.name);
    const [bindings, posted] = await Promise.all([
      this.db.manager.findBy(ChatBindingEntity, { channelId, platform: In(names) }),
      this.db.manager.findBy(ChatMessageEntity, { incidentId, platform: In(names) }),
    ]);
    const targets = new Map<string, { platform: PlatformName; chatId: string; message?: ChatMessage }>();
    for (const binding of bindings) targets.set(`${binding.platform}:${binding.chatId}`, { platform: binding.platform, chatId: binding.chatId });
    for (const message of posted) targets.set(`${message.platform}:${message.chatId}`, { platform: message.platform, chatId: message.chatId, message });
    const redrawn = known?.redrawn;
    if (redrawn) {
      const key = `${redrawn.platform}:${redrawn.chatId}`;
      if (targets.get(key)?.message?.messageId === redrawn.messageId) targets.delete(key);
    }
    if (targets.size === 0) return;

    const view = known?.view ?? (await this.views.build(incidentId));
    await Promise.all(
      [...targets.values()].map(async (target) => {
        const platform = this.platforms.find((candidate) => candidate.name === target.platform)!;
        try {
          await this.syncChat(platform, target.chatId, view, target.message);
        } catch (error) {
          this.logger.warn({ err: error, incidentId, platform: platform.name, chatId: target.chatId }, 'card not delivered');
        }
      }),
    );
  }

  private async syncChat(platform: ChatPlatform, chatId: string, view: IncidentView, message?: ChatMessage): Promise<void> {
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
    const result = await platform.updateIncidentCard(chatId, message.messageId, view);
    if (result === 'gone') await this.post(platform, chatId, view, message.id);
  }

  /** Claims the (platform, chat, incident) row first: of two concurrent triggers only one posts. */
  private async postClaimed(platform: ChatPlatform, chatId: string, view: IncidentView): Promise<void> {
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

  private async post(platform: ChatPlatform, chatId: string, view: IncidentView, rowId: number): Promise<void> {
    const messageId = await platform.postIncidentCard(chatId, view);
    await this.db.manager.update(ChatMessageEntity, rowId, { messageId, postedAt: new Date() });
  }
}
