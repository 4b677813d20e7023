import { IncidentEntity } from '../../db/entities/incident.entity.js';
import type { Database } from '../../db/database.js';
import { escalationSchedule, type EscalationLevel, type IncidentFacts } from '../../domain/escalation-policy.js';
import type { Severity } from '../../domain/incident-status.js';
import { AppError } from '../../lib/errors.js';
import type { EscalationNotifier, LevelPlan } from './escalation-notifier.js';
import { chooseEscalationRule, policyOf } from './escalation-rule-choice.js';

export interface DryRunInput {
  channelId: number;
  /** An existing incident whose title, severity and description are tried. */
  incidentId?: number;
  /** Or a made-up one. */
  sample?: { title: string; severity: Severity; description?: string };
}

export interface DryRunTarget {
  kind: 'member' | 'chat' | 'bot';
  id: number | string;
  name: string;
  /** How the page reaches it: `feishu direct message`, `@mention in slack group chat "ops"` …; empty: not reached. */
  via: string[];
}

export interface DryRunStep {
  atSeconds: number;
  /** 1-based, as cards and pages say it. */
  level: number;
  /** 0 on the first pass through the levels, then the repeat's number. */
  repeat: number;
  targets: DryRunTarget[];
}

export interface DryRunResult {
  rule: { id: number; name: string } | null;
  steps: DryRunStep[];
  /** `acknowledged` or `closed`; null when no rule applies. */
  stopsOn: string | null;
}

/**
 * Who would be paged when, if an incident came now and nobody answered: the rule chosen by escalation's own choice,
 * its steps by the escalation schedule, each level's reach by the notifier's plan. Reads only.
 */
export class EscalationDryRun {
  constructor(
    private readonly db: Database,
    private readonly notifier: EscalationNotifier,
  ) {}

  async run(input: DryRunInput, at = new Date()): Promise<DryRunResult> {
    const facts = await this.factsOf(input);
    const rule = await chooseEscalationRule(this.db.manager, input.channelId, facts, at);
    if (!rule) return { rule: null, steps: [], stopsOn: null };
    const policy = policyOf(rule);
    const targetsOfLevel = await Promise.all(policy.levels.map((level) => this.targetsOf(input.channelId, level)));
    return {
      rule: { id: rule.id, name: rule.name },
      steps: escalationSchedule(policy).map((step) => ({ atSeconds: step.atSeconds, level: step.level + 1, repeat: step.round, targets: targetsOfLevel[step.level] })),
      stopsOn: policy.stopOn,
    };
  }

  private async factsOf(input: DryRunInput): Promise<IncidentFacts> {
    if (input.incidentId !== undefined) {
      const incident = await this.db.manager.findOneBy(IncidentEntity, { id: input.incidentId });
      if (!incident) throw new AppError('validation', `incidentId: incident ${input.incidentId} does not exist`);
      return incident;
    }
    if (!input.sample) throw new AppError('validation', 'sample: give an incidentId or a sample { title, severity, description }');
    return { title: input.sample.title, severity: input.sample.severity, description: input.sample.description ?? '' };
  }

  private async targetsOf(channelId: number, level: EscalationLevel): Promise<DryRunTarget[]> {
    return describePlan(await this.notifier.plan(channelId, level, { linkAccounts: false }));
  }
}

function describePlan(plan: LevelPlan): DryRunTarget[] {
  const members: DryRunTarget[] = plan.members.map((member) => ({
    kind: 'member',
    id: member.id,
    name: member.name,
    via: [
      ...plan.directs.filter(({ identity }) => identity.memberId === member.id).map(({ destination }) => `${destination} direct message`),
      // A group post @mentions the members linked on the chat's platform.
      ...plan.groupChats
        .filter(({ destination }) => plan.identities.some((identity) => identity.platform === destination && identity.memberId === member.id))
        .map(({ destination, chat }) => `@mention in ${destination} group chat "${chat.chatName || chat.chatId}"`),
      ...(plan.emails.some((reached) => reached.id === member.id) ? ['email'] : []),
    ],
  }));
  const chats: DryRunTarget[] = plan.groupChats.map(({ destination, chat }) => ({ kind: 'chat', id: chat.chatId, name: chat.chatName || chat.chatId, via: [`${destination} group chat`] }));
  const bots: DryRunTarget[] = plan.bots.map(({ botId, bot }) => ({ kind: 'bot', id: botId, name: bot ? bot.name : `bot ${botId} (removed)`, via: bot ? [`${bot.kind} bot`] : [] }));
  return [...members, ...chats, ...bots];
}
