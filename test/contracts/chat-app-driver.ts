import type { DatabaseKind } from '../support/databases.js';
import type { TestService } from '../support/test-service.js';

/**
 * What the chat-app contract needs from one IM, in that IM's own terms: a running service with the app enabled
 * against the IM's fake, people and chats there, and the user's side of clicks and commands (sent exactly as the IM
 * sends them, signed). A new IM passes the contract by writing one more driver and adding its factory to the runs of
 * chat-app.contract.test.ts.
 */

export type PlatformName = 'feishu' | 'slack' | 'dingtalk';

export interface ChatAppUser {
  name: string;
  email: string;
  /** The account's id on the platform (Feishu open_id, Slack user id, DingTalk staffId). */
  externalId: string;
  /** The on-call member with the same email (so the account links automatically), unless made unlinked. */
  member?: { id: number; name: string };
}

export interface ChatAppChat {
  chatId: string;
  name: string;
  /** The user's direct chat with the bot. */
  direct: boolean;
}

export interface BoundChat extends ChatAppChat {
  /** The on-call channel the chat shows incidents of. */
  channel: { id: number; name: string };
  /** The path of the channel's own Feishu-compatible alert URL. */
  hookPath: string;
}

/** An incident card as a user sees it at one moment: clicking it later clicks this version (maybe stale by then). */
export interface ShownCard {
  chatId: string;
  messageId: string;
  incidentId: number;
  /** "Triggered", "Acknowledged", "Closed". */
  status: string | undefined;
  /** The actions of the buttons that can be clicked, in order ("acknowledge", "close", "escalate", "reopen"). */
  actions: string[];
  /** The escalation step the Escalate button carries. */
  escalateStep: number | undefined;
  /** Everything the card says, as plain text. */
  text: string;
  /** The content as the platform holds it: compared with `renderedNow`. */
  content: unknown;
}

/** The answer a click got, as the clicking user sees it (Feishu's toast, Slack's ephemeral reply). */
export interface ClickAnswer {
  text: string;
  /** How the answer is shown, on platforms that show it (Feishu's toast type); undefined elsewhere. */
  kind?: 'success' | 'info' | 'warning' | 'error';
}

/** A command's answer: `caller` when only the caller can see it (a DM, an ephemeral reply), `everyone` in the chat. */
export interface CommandReply {
  text: string;
  visibleTo: 'caller' | 'everyone';
}

/** How an attempt to update a card ended at the platform. */
export type UpdateOutcome = 'ok' | 'gone' | 'throttled' | 'failed';

export interface ChatAppDriver {
  readonly platform: PlatformName;
  readonly service: TestService;
  /** Whether click answers carry a `kind`. */
  readonly answerKinds: boolean;
  stop(): Promise<void>;

  /** Someone in the platform's directory; `linked` (default): an on-call member with the same email exists. */
  user(name: string, options?: { linked?: boolean }): Promise<ChatAppUser>;
  /** A group chat with the bot and `users`, bound (through the admin API) to a new channel with its own integration. */
  boundChat(users: ChatAppUser[], options?: { pushMode?: string }): Promise<BoundChat>;
  /** A group chat with the bot and `users`, bound to nothing. */
  groupChat(users: ChatAppUser[]): ChatAppChat;
  directChat(user: ChatAppUser): ChatAppChat;

  /** The incident cards the bot posted in the chat that are still there, as shown now, oldest first. */
  cards(chat: ChatAppChat): ShownCard[];
  /** The card as shown now. */
  current(card: ShownCard): ShownCard;
  /** The incident's card as it should look now, rendered from the incident's current state. */
  renderedNow(incidentId: number): Promise<unknown>;
  /** Every attempt the app made to update the card (whatever the clicked card's answer redrew is not one). */
  updateAttempts(card: ShownCard): UpdateOutcome[];
  /** Attempts the app made to post anything into the chat. */
  postAttempts(chat: ChatAppChat): number;
  /** Answers of the platform since `sinceMs` that refused a call for going too fast. */
  throttledSince(sinceMs: number): number;

  /** `user` clicks the button for `action` on the card as `card` shows it; the answer within the platform's deadline. */
  click(user: ChatAppUser, card: ShownCard, action: string): Promise<ClickAnswer>;
  /** `user` sends the bot command `text` in the chat (@mentioning the bot, or as a slash command); their answer. */
  command(user: ChatAppUser, chat: ChatAppChat, text: string): Promise<CommandReply>;
  /** Texts the bot sent the user directly, oldest first, as they read. */
  directMessages(user: ChatAppUser): string[];
  /** Texts the bot posted in the chat for everyone (not cards), oldest first, as they read. */
  notices(chat: ChatAppChat): string[];
  /** Whether `text` (from directMessages or notices) @mentions the user. */
  mentions(text: string, user: ChatAppUser): boolean;

  /**
   * From now on the platform refuses for good every message to the user: direct messages, and group posts that
   * @mention them (cards that do not mention them still go out).
   */
  refuseMessagesTo(user: ChatAppUser): void;
  /** The next update of the card fails because the card can no longer be changed (deleted, too old). */
  makeCardGone(card: ShownCard): void;
  /** The bot is removed from the chat, and the platform tells the app so. */
  removeBot(chat: ChatAppChat): Promise<void>;
  /** The bot is added to a new chat, and the platform tells the app so, `deliveries` times (retries of one event). */
  addBot(deliveries: number): Promise<ChatAppChat>;
}

export interface ChatAppDriverFactory {
  platform: PlatformName;
  /**
   * false when the platform tells an app nothing when its bot joins or leaves a chat (DingTalk): the contract's
   * join/leave scenarios do not apply, and the driver's addBot/removeBot are never called.
   */
  membershipEvents?: false;
  start(kind: DatabaseKind): Promise<ChatAppDriver>;
}
