import type { IncidentView } from '../../rendering/incident-view.js';
import { isPlatformError } from '../../services/ports/platform-error.js';
import type { CardUpdateResult, Capabilities, Destination, IncidentCards, GroupNotices, DirectMessages, UserDirectory, CommandSurface, Mention, PlatformUserProfile } from '../../services/ports/capabilities.js';
import { OutgoingPriority } from '../outgoing-priority.js';
import type { SlackApi } from './slack-api.js';
import { renderSlackIncidentMessage } from './slack-message.renderer.js';
import { slackNotice, slackText } from './slack-text.js';

export class SlackPlatform implements Destination, IncidentCards, GroupNotices, DirectMessages, UserDirectory, CommandSurface {
  readonly name = 'slack' as const;
  readonly capabilities: Capabilities = { cards: this, notices: this, direct: this, directory: this, commands: this };

  constructor(private readonly api: SlackApi) {}

  /** Slack's documented redirect that opens a channel in the user's own workspace. */
  chatUrl(channelId: string): string {
    return `https://slack.com/app_redirect?channel=${encodeURIComponent(channelId)}`;
  }

  postIncidentCard(channelId: string, view: IncidentView): Promise<string> {
    return this.api.postMessage(channelId, renderSlackIncidentMessage(view), OutgoingPriority.newCard);
  }

  async updateIncidentCard(channelId: string, ts: string, view: IncidentView): Promise<CardUpdateResult> {
    try {
      await this.api.updateMessage(channelId, ts, renderSlackIncidentMessage(view));
      return 'updated';
    } catch (error) {
      if (isPlatformError(error, 'message_gone')) return 'gone';
      throw error;
    }
  }

  async sendChatNotice(channelId: string, text: string, mentions: Mention[]): Promise<void> {
    await this.api.postMessage(channelId, { text: slackNotice(mentions.map((mention) => mention.externalId), text) }, OutgoingPriority.page);
  }

  /** The welcome: it goes with the pages, ahead of any cards waiting for the channel. */
  async sendChatText(channelId: string, text: string): Promise<void> {
    await this.api.postMessage(channelId, { text: slackText(text) }, OutgoingPriority.page);
  }

  /** Posting to a user id lands in the app's DM with them. */
  async sendDirectText(userId: string, text: string): Promise<void> {
    await this.api.postMessage(userId, { text: slackText(text) }, OutgoingPriority.page);
  }

  commandSyntax(command: string): string {
    return `/oncall ${command}`;
  }

  lookupUser(userId: string): Promise<PlatformUserProfile | null> {
    return this.api.getUser(userId);
  }

  findUserByEmail(email: string): Promise<PlatformUserProfile | null> {
    return this.api.findUserByEmail(email);
  }
}
