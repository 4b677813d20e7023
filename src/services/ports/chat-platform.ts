
import type { IncidentView } from '../../rendering/incident-view.js';
import type { PlatformName } from '../../domain/platform-name.js';

/** Profile facts a platform can tell about one of its users, used to link them to a member. */
export interface PlatformUserProfile {
  externalId: string;
  name?: string;
  email?: string;
  mobile?: string;
  unionId?: string;
  userId?: string;
}

export type CardUpdateResult = 'updated' | 'gone';

/** What services need from an IM. Each platform folder implements it; services never know which one they talk to. */
export interface ChatPlatform {
  readonly name: PlatformName;
  /** Posts the incident card in a chat and returns the platform's message id. */
  postIncidentCard(chatId: string, view: IncidentView): Promise<string>;
  /** Updates a posted card in place; `gone` when it can no longer be updated (deleted, too old) and should be reposted. */
  updateIncidentCard(chatId: string, messageId: string, view: IncidentView): Promise<CardUpdateResult>;
  /**
   * A text message in a group chat that @mentions the given users (escalation pages). `idempotencyKey`: the same
   * key means the same message — a platform that can deduplicate sends (Feishu's `uuid`) posts it once however
   * often it is sent; others ignore it.
   */
  sendChatNotice(chatId: string, text: string, mentions: Array<{ externalId: string; name: string }>, idempotencyKey?: string): Promise<void>;
  /** A private text message from the app bot to a user; `idempotencyKey` as for sendChatNotice. */
  sendDirectText(externalUserId: string, text: string, idempotencyKey?: string): Promise<void>;
  lookupUser(externalUserId: string): Promise<PlatformUserProfile | null>;
  /** The active user with this email, for platforms that can search their directory by email; null when none. */
  findUserByEmail?(email: string): Promise<PlatformUserProfile | null>;
  /** How a user types `command` on this platform, for hints in replies ("/oncall link", "@bot link"). */
  commandSyntax(command: string): string;
}
