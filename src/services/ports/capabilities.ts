import type { IncidentView } from '../../rendering/incident-view.js';

/**
 * What services may ask of a destination, split by capability: a destination implements only what it can (a
 * webhook bot posts group notices but cannot update a card or DM anyone; an email sender only sends direct messages).
 */

export type CardUpdateResult = 'updated' | 'gone';

/** Incident cards with buttons, posted in bound group chats and kept up to date in place. */
export interface IncidentCards {
  /** Posts the incident card in a chat and returns the platform's message id. */
  postIncidentCard(chatId: string, view: IncidentView): Promise<string>;
  /** Updates a posted card in place; `gone` when it can no longer be updated (deleted, too old) and should be reposted. */
  updateIncidentCard(chatId: string, messageId: string, view: IncidentView): Promise<CardUpdateResult>;
  /** A link that opens the chat in the platform's app or web client (the Details page's "back to the chat"), where it has one. */
  chatUrl?(chatId: string): string | undefined;
}

export interface Mention {
  externalId: string;
  name: string;
}

/**
 * Text messages in group chats that @mention people (escalation pages). `idempotencyKey`: the same key means the same
 * message — a destination that can deduplicate sends (Feishu's `uuid`) posts it once however often it is sent.
 */
export interface GroupNotices {
  sendChatNotice(chatId: string, text: string, mentions: Mention[], idempotencyKey?: string): Promise<void>;
}

/** Private messages to one person (an IM user id, an email address …); `idempotencyKey` as for group notices. */
export interface DirectMessages {
  sendDirectText(recipient: string, text: string, idempotencyKey?: string): Promise<void>;
}

/** Profile facts a platform can tell about one of its users, used to link them to a member. */
export interface PlatformUserProfile {
  externalId: string;
  name?: string;
  email?: string;
  mobile?: string;
  unionId?: string;
  userId?: string;
}

/** The platform's people, to link its accounts to members. */
export interface UserDirectory {
  lookupUser(externalUserId: string): Promise<PlatformUserProfile | null>;
  /** The active user with this email, where the directory can be searched by email; null when none. */
  findUserByEmail?(email: string): Promise<PlatformUserProfile | null>;
  /** The active user with this mobile number, where the directory can be searched by mobile; null when none. */
  findUserByMobile?(mobile: string): Promise<PlatformUserProfile | null>;
}

/** Where people type commands: how a command is spelled there, for hints in replies ("/oncall link", "@bot link"). */
export interface CommandSurface {
  commandSyntax(command: string): string;
}

export interface Capabilities {
  cards: IncidentCards;
  notices: GroupNotices;
  direct: DirectMessages;
  directory: UserDirectory;
  commands: CommandSurface;
}

export type CapabilityName = keyof Capabilities;
export const CAPABILITY_NAMES: readonly CapabilityName[] = ['cards', 'notices', 'direct', 'directory', 'commands'];

/** A place notifications go (an IM app, a webhook bot kind, an email sender), with the capabilities it has. */
export interface Destination {
  readonly name: string;
  readonly capabilities: Partial<Capabilities>;
}
