import type { IncidentView } from '../../rendering/incident-view.js';
import { isPlatformError } from '../../services/ports/platform-error.js';
import type { CardUpdateResult, Capabilities, Destination, IncidentCards, GroupNotices, DirectMessages, UserDirectory, CommandSurface, Mention, PlatformUserProfile } from '../../services/ports/capabilities.js';
import { OutgoingPriority } from '../outgoing-priority.js';
import type { FeishuApi } from './feishu-api.js';
import { renderFeishuIncidentCard } from './feishu-card.renderer.js';
import { capFeishuText } from './feishu-limits.js';

/** Text built from alert content must not be able to @mention anyone (an `<at user_id="all">` in a title). */
export function neutralizeMentions(text: string): string {
  return text.replace(/<(\/?at)\b/gi, '‹$1');
}

export class FeishuPlatform implements Destination, IncidentCards, GroupNotices, DirectMessages, UserDirectory, CommandSurface {
  readonly name = 'feishu' as const;
  readonly capabilities: Capabilities = { cards: this, notices: this, direct: this, directory: this, commands: this };

  constructor(
    private readonly api: FeishuApi,
    /** Feishu's AppLink host (applink.feishu.cn; applink.larksuite.com for Lark). */
    private readonly appLinkHost = 'https://applink.feishu.cn',
  ) {}

  /** Feishu's documented AppLink that opens a group chat by its open_chat_id. */
  chatUrl(chatId: string): string {
    return `${this.appLinkHost}/client/chat/open?openChatId=${encodeURIComponent(chatId)}`;
  }

  postIncidentCard(chatId: string, view: IncidentView): Promise<string> {
    return this.api.sendCard(chatId, renderFeishuIncidentCard(view), OutgoingPriority.newCard);
  }

  async updateIncidentCard(chatId: string, messageId: string, view: IncidentView): Promise<CardUpdateResult> {
    try {
      await this.api.patchCard(chatId, messageId, renderFeishuIncidentCard(view), OutgoingPriority.cardUpdate);
      return 'updated';
    } catch (error) {
      if (isPlatformError(error, 'message_gone')) return 'gone';
      throw error;
    }
  }

  sendDirectText(openId: string, text: string, idempotencyKey?: string): Promise<void> {
    return this.api.sendText('open_id', openId, capFeishuText(neutralizeMentions(text)), OutgoingPriority.page, idempotencyKey);
  }

  sendChatNotice(chatId: string, text: string, mentions: Mention[], idempotencyKey?: string): Promise<void> {
    const escapeName = (name: string) => name.replace(/[<>]/g, '');
    const tags = mentions.map((mention) => `<at user_id="${mention.externalId}">${escapeName(mention.name)}</at>`).join(' ');
    const body = neutralizeMentions(text);
    // Mentions first: a cut to the size limit shortens the text, never a mention (capFeishuText keeps tags whole).
    return this.api.sendText('chat_id', chatId, capFeishuText(tags ? `${tags} ${body}` : body), OutgoingPriority.page, idempotencyKey);
  }

  /** A command's answer or the welcome: someone in the chat waits for it, so it goes with the pages. */
  sendChatText(chatId: string, text: string): Promise<void> {
    return this.api.sendText('chat_id', chatId, capFeishuText(neutralizeMentions(text)), OutgoingPriority.page);
  }

  /**
   * An answer only the caller may see (a link code, their email), asked for in a group chat. Feishu's cards "visible
   * only to you" (ephemeral/v1/send) have no method in the SDK and are not shown on clients that are offline, so the
   * answer goes by direct message, and the group is only told where to look.
   */
  async sendPrivateReply(chatId: string, openId: string, text: string): Promise<void> {
    const caller = [{ externalId: openId, name: '' }];
    try {
      await this.sendDirectText(openId, text);
    } catch (error) {
      await this.sendChatNotice(chatId, 'I could not send you a direct message with the answer. Send the command to me in a direct chat.', caller);
      throw error;
    }
    await this.sendChatNotice(chatId, 'I sent you a direct message.', caller);
  }

  commandSyntax(command: string): string {
    return `"${command}" (to me in a direct chat, or @mention me in the group)`;
  }

  lookupUser(openId: string): Promise<PlatformUserProfile | null> {
    return this.api.getUser(openId);
  }

  findUserByEmail(email: string): Promise<PlatformUserProfile | null> {
    return this.api.findUserByEmail(email);
  }
}
