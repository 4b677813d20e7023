import type { AlternateIds } from '../../db/entities/im-identity.entity.js';
import type { PendingAction } from '../../db/entities/link-code.entity.js';
import { MemberEntity, type Member } from '../../db/entities/member.entity.js';
import type { Database } from '../../db/database.js';
import { parseCommand } from '../../domain/commands.js';
import type { IncidentAction } from '../../domain/incident-status.js';
import { isCardAction, type CardAction } from './button-value.js';
import { AppError } from '../../lib/errors.js';
import type { IncidentView } from '../../rendering/incident-view.js';
import type { Metrics } from '../../lib/metrics.js';
import type { Actor } from '../../domain/actor.js';
import type { ChatBindingService } from './chat-binding.service.js';
import type { EscalationService } from '../escalation/escalation.service.js';
import type { IdentityService, NewlyLinked } from '../identity/identity.service.js';
import type { ChangeNotes, RedrawnCard } from '../incidents/incident-change-feed.js';
import type { IncidentViewService } from '../incidents/incident-view.service.js';
import type { IncidentService } from '../incidents/incident.service.js';
import type { DestinationRegistry } from '../registry/destination-registry.js';
import type { PlatformName } from '../../domain/platform-name.js';
import type { CommandChat, CommandContext } from './commands/command-context.js';
import { commandRunner, type CommandRunner } from './commands/index.js';
import { linkInstructions } from './commands/link-instructions.js';

export interface ChatUser {
  platform: PlatformName;
  /** The account's primary id on the platform (the one to DM and @mention). */
  externalId: string;
  /** Other ids the platform gave for the account; a link may know it by any of them. */
  alternateIds?: AlternateIds;
}

/**
 * Who may see a command's answer: `chat`, everyone there (a successful bind); `caller`, it is for the caller but
 * harmless to show (a platform with private answers uses them, others answer in the chat); `private`, nobody else
 * may see it (a link code, the caller's email), so a platform without private answers sends it directly.
 */
export type ReplyAudience = 'chat' | 'caller' | 'private';

export interface CommandReply {
  text: string;
  audience: ReplyAudience;
}

export type ToastKind = 'success' | 'info' | 'warning' | 'error';

export interface ActionAnswer {
  toast: { kind: ToastKind; text: string };
  /** The incident's state after the action, for the platform to answer the click with a fresh card. */
  view?: IncidentView;
}

const DONE: Record<IncidentAction, string> = { acknowledge: 'Acknowledged', close: 'Closed', reopen: 'Reopened' };
const ALREADY: Record<IncidentAction, string> = { acknowledge: 'already acknowledged', close: 'already closed', reopen: 'already open' };
/** What a click or a typed command does, for every IM alike. */
export class ChatInteractionService {
  private readonly commands: CommandRunner;

  constructor(
    private readonly db: Database,
    private readonly incidents: IncidentService,
    private readonly views: IncidentViewService,
    private readonly identities: IdentityService,
    bindings: ChatBindingService,
    private readonly destinations: DestinationRegistry,
    private readonly escalations: EscalationService,
    private readonly metrics: Pick<Metrics, 'callbackAnswered'>,
  ) {
    identities.onLinked((linked) => this.carryOutPending(linked));
    this.commands = commandRunner(db, bindings, identities);
  }

  /**
   * A click on a card. `redrawnMessageId`: the clicked card, when the platform's answer replaces it with the
   * answer's view — card sync then leaves that card alone for this change. `shownStep`: the escalation step an
   * Escalate button showed (see shownEscalationStep).
   */
  async handleAction(
    user: ChatUser,
    action: CardAction,
    incidentId: number,
    chatId?: string,
    redrawnMessageId?: string,
    shownStep?: number,
  ): Promise<ActionAnswer> {
    const started = performance.now();
    try {
      const member = await this.resolve(user);
      if (!member) return await this.promptToLink(user, { action, incidentId, chatId });
      const redrawn = chatId && redrawnMessageId ? { platform: user.platform, chatId, messageId: redrawnMessageId } : undefined;
      return await this.actAs(member, action, incidentId, redrawn, shownStep);
    } finally {
      this.metrics.callbackAnswered(user.platform, (performance.now() - started) / 1000);
    }
  }

  async handleCommand(user: ChatUser, chat: CommandChat, text: string): Promise<CommandReply> {
    const parsed = parseCommand(text);
    if (!parsed.ok) return { text: `${parsed.error}\n\nCommands:\n${parsed.usage}`, audience: 'caller' };
    return this.commands(this.commandContext(user, chat), parsed.command);
  }

  /** An admin redeemed a link code: the account is linked, and what the user had clicked is carried out. */
  async completeLink(code: string, memberId: number): Promise<{ member: Member; carriedOut?: ActionAnswer }> {
    const { linkCode, pendingAction } = await this.identities.redeemLinkCode(code, memberId);
    const member = await this.db.manager.findOneByOrFail(MemberEntity, { id: memberId });
    const carriedOut = await this.carryOut(member, pendingAction);
    await this.tellLinked(linkCode.platform, linkCode.externalId, member, carriedOut);
    return { member, carriedOut };
  }

  /** Linked some other way (admin mapping, automatically): what the user had clicked while unlinked is done now. */
  private async carryOutPending({ platform, externalId, member, pendingAction }: NewlyLinked): Promise<void> {
    if (!isCardAction(pendingAction.action)) return;
    const carriedOut = await this.carryOut(member, pendingAction);
    // Not awaited: the link may be made inside a click, whose answer a throttled DM must not hold up.
    void this.tellLinked(platform, externalId, member, carriedOut);
  }

  private async carryOut(member: Member, pending: PendingAction | null | undefined): Promise<ActionAnswer | undefined> {
    return pending && isCardAction(pending.action) ? this.actAs(member, pending.action, pending.incidentId) : undefined;
  }

  /** Tells the user by DM that their account is linked, and what came of the action they had asked for. */
  private async tellLinked(platformName: PlatformName, externalId: string, member: Member, carriedOut?: ActionAnswer): Promise<void> {
    const direct = this.destinations.capability(platformName, 'direct');
    const note = carriedOut ? `\n${carriedOut.toast.text}` : '';
    await direct?.sendDirectText(externalId, `You are now linked to on-call member ${member.name}.${note}`).catch(() => undefined);
  }

  private resolve(user: ChatUser): Promise<Member | null> {
    return this.identities.resolveMember(user.platform, user.externalId, user.alternateIds);
  }

  private async actAs(member: Member, action: CardAction, incidentId: number, redrawn?: RedrawnCard, shownStep?: number): Promise<ActionAnswer> {
    const actor: Actor = { type: 'member', id: member.id, name: member.name };
    if (action === 'escalate') return this.escalate(incidentId, actor, shownStep);
    try {
      // A change is announced with the view read after its commit: the answer and card sync share one read.
      let built: IncidentView | undefined;
      const notes = async (): Promise<ChangeNotes> => {
        built = await this.views.build(incidentId);
        return redrawn ? { view: built, redrawn } : { view: built };
      };
      const result = await this.incidents.act(incidentId, action, actor, notes);
      const view = built ?? (await this.views.build(incidentId));
      if (result.outcome === 'changed') return { toast: { kind: 'success', text: `${DONE[action]} #${incidentId}` }, view };
      return { toast: { kind: 'info', text: `#${incidentId} is ${ALREADY[action]}${whoDidIt(view, action)}` }, view };
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') return { toast: { kind: 'error', text: `Incident #${incidentId} does not exist` } };
      if (error instanceof AppError && error.code === 'invalid_transition') {
        return { toast: { kind: 'warning', text: error.message }, view: await this.viewOrUndefined(incidentId) };
      }
      throw error;
    }
  }

  private async escalate(incidentId: number, actor: Actor, shownStep?: number): Promise<ActionAnswer> {
    try {
      const result = await this.escalations.escalateNow(incidentId, actor, shownStep);
      const view = await this.viewOrUndefined(incidentId);
      if (result.outcome === 'skipped') return { toast: { kind: 'info', text: `Not escalated: ${result.reason}.` }, view };
      // The step is taken; its page is on its way (delivered after the answer).
      const who = result.paged.length ? result.paged.join(', ') : 'nobody (the level has no members)';
      return { toast: { kind: 'success', text: `Escalated #${incidentId} to level ${result.level}: paging ${who}` }, view };
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') return { toast: { kind: 'error', text: `Incident #${incidentId} does not exist` } };
      throw error;
    }
  }

  private async promptToLink(user: ChatUser, pending: PendingAction): Promise<ActionAnswer> {
    const code = await this.identities.createLinkCode(user.platform, user.externalId, pending, user.alternateIds);
    const direct = this.destinations.capability(user.platform, 'direct');
    // Not awaited: a throttled DM must not hold the click's answer past the platform's 3-second limit.
    void direct
      ?.sendDirectText(user.externalId, linkInstructions(code.code, `Once linked, your "${pending.action}" on incident #${pending.incidentId} will be carried out.`))
      .catch(() => undefined);
    return {
      toast: { kind: 'warning', text: 'Your account is not linked to an on-call member yet, so nothing changed. I sent you a private message with how to link.' },
    };
  }

  private commandContext(user: ChatUser, chat: CommandChat): CommandContext {
    return {
      user,
      chat,
      resolve: () => this.resolve(user),
      syntax: (command) => this.syntax(user, command),
      actAs: (member, action, incidentId) => this.actAs(member, action, incidentId),
      promptToLink: (pending) => this.promptToLink(user, pending),
    };
  }

  private syntax(user: ChatUser, command: string): string {
    return this.destinations.capability(user.platform, 'commands')?.commandSyntax(command) ?? `"${command}"`;
  }

  private async viewOrUndefined(incidentId: number): Promise<IncidentView | undefined> {
    return this.views.build(incidentId).catch(() => undefined);
  }
}

function whoDidIt(view: IncidentView, action: IncidentAction): string {
  if (action === 'acknowledge' && view.acknowledged) return ` by ${view.acknowledged.by}`;
  if (action === 'close' && view.closed) return ` by ${view.closed.by}`;
  return '';
}
