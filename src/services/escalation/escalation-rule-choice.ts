import type { EntityManager } from 'typeorm';
import { ChannelEntity } from '../../db/entities/channel.entity.js';
import { EscalationRuleEntity, type EscalationRule } from '../../db/entities/escalation-rule.entity.js';
import { chooseRule, type EscalationPolicy, type IncidentFacts } from '../../domain/escalation-policy.js';

/**
 * The channel's first enabled rule, in order, that matches the incident at `at` (its time window judged in the
 * channel's time zone). Escalation snapshots it; the dry run shows it.
 */
export async function chooseEscalationRule(manager: EntityManager, channelId: number, incident: IncidentFacts, at: Date): Promise<EscalationRule | undefined> {
  const [rules, channel] = await Promise.all([
    manager.find(EscalationRuleEntity, { where: { channelId, enabled: true }, order: { position: 'ASC', id: 'ASC' } }),
    manager.findOneBy(ChannelEntity, { id: channelId }),
  ]);
  return chooseRule(rules, incident, at, channel?.timeZone ?? 'UTC');
}

/** The part of a rule an incident keeps (later edits of the rule don't change a running escalation). */
export function policyOf(rule: EscalationRule): EscalationPolicy {
  return { ruleId: rule.id, ruleName: rule.name, levels: rule.levels, repeat: rule.repeat, stopOn: rule.stopOn };
}
