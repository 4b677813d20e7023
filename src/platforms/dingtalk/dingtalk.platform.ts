import { createHash, randomUUID } from 'node:crypto';
import type { IncidentStatus } from '../../domain/incident-status.js';
import type { IncidentView } from '../../rendering/incident-view.js';
import type {
  CardUpdateResult,
  Capabilities,
  CommandSurface,
  Destination,
  DirectMessages,
  GroupNotices,
  IncidentCards,
  Mention,
  PlatformUserProfile,
  UserDirectory,
} from '../../services/ports/capabilities.js';
import { isPlatformError } from '../../services/ports/platform-error.js';
import { OutgoingPriority } from '../outgoing-priority.js';
import type { DingTalkApi, RobotMessage } from './dingtalk-api.js';
import { renderDingTalkActionCard, renderDingTalkCardParams, renderDingTalkNoticeParams } from './dingtalk-card.renderer.js';
import { DINGTALK_LIMITS } from './dingtalk-limits.js';
import { dingtalkMarkdown, dingtalkPlainText } from './dingtalk-text.js';

/**
 * A template-free incident message cannot be changed once sent (robot messages have no update). Its id keeps the
 * status it showed — `md:<status>:<processQueryKey>` — so an update can tell whether anything worth a new message
 * happened: the same status is left alone, a new one is answered `gone` and card sync posts a fresh message.
 */
const FALLBACK_PREFIX = 'md:';
const fallbackId = (status: IncidentStatus, processQueryKey: string) => `${FALLBACK_PREFIX}${status}:${processQueryKey}`;
const statusOfFallback = (messageId: string) => messageId.slice(FALLBACK_PREFIX.length).split(':', 1)[0];

const sampleText = (content: string): RobotMessage => ({ msgKey: 'sampleText', msgParam: { content: dingtalkPlainText(content) } });

/** The outTrackId of a card: ours to choose, unique per card (a page's is derived from its idempotency key). */
export function newOutTrackId(prefix: string, key?: string): string {
  const tail = key ? createHash('sha256').update(key).digest('hex').slice(0, 32) : randomUUID().replace(/-/g, '');
  return `${prefix}-${tail}`;
}

export class DingTalkPlatform implements Destination, IncidentCards, GroupNotices, DirectMessages, UserDirectory, CommandSurface {
  readonly name = 'dingtalk' as const;
  readonly capabilities: Capabilities = { cards: this, notices: this, direct: this, directory: this, commands: this };

  /**
   * Told when DingTalk answers that the robot is no longer in a group (removed, group disbanded). DingTalk sends no
   * event when a robot leaves a group, so this refusal is how the app learns it: the group is unbound.
   */
  onGroupGone?: (openConversationId: string) => Promise<void>;

  constructor(
    private readonly api: DingTalkApi,
    /** Whether a card template is configured: interactive cards, else template-free robot messages. */
    private readonly withTemplate: boolean,
  ) {}

  /** A call into a group; a target_gone answer unbinds the group before it is passed on. */
  private async inGroup<T>(openConversationId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isPlatformError(error, 'target_gone')) await this.onGroupGone?.(openConversationId).catch(() => undefined);
      throw error;
    }
  }

  get usesCardTemplate(): boolean {
    return this.withTemplate;
  }

  postIncidentCard(openConversationId: string, view: IncidentView): Promise<string> {
    return this.inGroup(openConversationId, () => this.postCard(openConversationId, view));
  }

  private async postCard(openConversationId: string, view: IncidentView): Promise<string> {
    if (!this.withTemplate) {
      const key = await this.api.sendGroupMessage(openConversationId, renderDingTalkActionCard(view), OutgoingPriority.newCard);
      return fallbackId(view.status, key);
    }
    const outTrackId = newOutTrackId(`oncall-${view.id}`);
    await this.api.createGroupCard(openConversationId, outTrackId, renderDingTalkCardParams(view), OutgoingPriority.newCard);
    return outTrackId;
  }

  async updateIncidentCard(openConversationId: string, messageId: string, view: IncidentView): Promise<CardUpdateResult> {
    const isFallback = messageId.startsWith(FALLBACK_PREFIX);
    // The template was set or removed since the message went out: it is replaced by one of the current kind.
    if (isFallback === this.withTemplate) return 'gone';
    if (isFallback) return statusOfFallback(messageId) === view.status ? 'updated' : 'gone';
    try {
      await this.api.updateCard(messageId, renderDingTalkCardParams(view));
      return 'updated';
    } catch (error) {
      if (isPlatformError(error, 'message_gone')) return 'gone';
      throw error;
    }
  }

  /**
   * A page in a group. `robot/groupMessages/send` has no @mention field, so with a template the page is a card whose
   * `atUserIds` really notify the targets; without one it is markdown naming them (no notification: the 1:1 pages do
   * that). The card's outTrackId comes from the idempotency key, so a page sent again is the same card.
   */
  sendChatNotice(openConversationId: string, text: string, mentions: Mention[], idempotencyKey?: string): Promise<void> {
    return this.inGroup(openConversationId, () => this.sendNotice(openConversationId, text, mentions, idempotencyKey));
  }

  private async sendNotice(openConversationId: string, text: string, mentions: Mention[], idempotencyKey?: string): Promise<void> {
    if (this.withTemplate) {
      const atUserIds = Object.fromEntries(mentions.map((mention) => [mention.externalId, mention.name]));
      await this.api.createGroupCard(openConversationId, newOutTrackId('page', idempotencyKey), renderDingTalkNoticeParams(text), OutgoingPriority.page, atUserIds);
      return;
    }
    const names = mentions.map((mention) => `@${dingtalkMarkdown(mention.name, 100)}`).join(' ');
    const body = dingtalkMarkdown(text, DINGTALK_LIMITS.messageText - names.length - 1);
    const message: RobotMessage = { msgKey: 'sampleMarkdown', msgParam: { title: 'On-call page', text: names ? `${names} ${body}` : body } };
    await this.api.sendGroupMessage(openConversationId, message, OutgoingPriority.page);
  }

  /** A command's answer or the welcome: someone waits for it, so it goes with the pages. */
  async sendChatText(openConversationId: string, text: string): Promise<void> {
    await this.inGroup(openConversationId, () => this.api.sendGroupMessage(openConversationId, sampleText(text), OutgoingPriority.page));
  }

  async sendDirectText(staffId: string, text: string): Promise<void> {
    await this.api.sendDirectMessage(staffId, sampleText(text), OutgoingPriority.page);
  }

  /** DingTalk robots have no private answers in a group: the answer goes 1:1 and the group is told where to look. */
  async sendPrivateReply(openConversationId: string, staffId: string, text: string): Promise<void> {
    try {
      await this.sendDirectText(staffId, text);
    } catch (error) {
      await this.sendChatText(openConversationId, 'I could not send you a 1:1 message with the answer. Send the command to me in a 1:1 chat.');
      throw error;
    }
    await this.sendChatText(openConversationId, 'I sent you the answer in our 1:1 chat.');
  }

  commandSyntax(command: string): string {
    return `"${command}" (to me in a 1:1 chat, or @mention me in the group)`;
  }

  lookupUser(staffId: string): Promise<PlatformUserProfile | null> {
    return this.api.getUser(staffId);
  }

  findUserByMobile(mobile: string): Promise<PlatformUserProfile | null> {
    return this.api.findUserByMobile(mobile);
  }
}
