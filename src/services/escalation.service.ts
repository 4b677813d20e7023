import { In, IsNull, LessThan, LessThanOrEqual, Not, type EntityManager } from 'typeorm';
import { ChannelEntity } from '../db/entities/channel.entity.js';
import { EscalationRuleEntity } from '../db/entities/escalation-rule.entity.js';
import { IncidentEntity, type Incident } from '../db/entities/incident.entity.js';
import { MemberEntity } from '../db/entities/member.entity.js';
import type { Database } from '../db/database.js';
import {
  chooseRule,
  levelOfStep,
  stillEscalating,
  totalSteps,
  type EscalationPolicy,
} from '../domain/escalation-policy.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { SYSTEM_ACTOR, type Actor } from './actor.js';
import type { EscalationNotifier } from './escalation-notifier.js';
import type { IncidentChangeFeed } from './incident-change-feed.js';
import type { IncidentLinks } from './incident-links.js';
import type { EscalationTimers } from './ports/escalation-timers.js';
import { appendTimeline } from './timeline.js';

export type FireOutcome =
  | { outcome: 'paged'; level: number; round: number; paged: string[]; nextDueAt: Date | null }
  /** Another instance (or an earlier run) already paged this step, or escalation no longer applies. */
  | { outcome: 'skipped'; reason: string };

/** Incidents whose rules were never looked at (a crash between the alert and that) are picked up after this. */
const UNCHECKED_GRACE_MS = 10_000;
/** A due step not fired by its timer within this is fired by the sweep. */
const OVERDUE_GRACE_MS = 2_000;
const SWEEP_BATCH = 500;

/**
 * Pages the next person when nobody answers. The incident row holds the state (policy snapshot, step, due time);
 * every step is taken by a compare-and-set on that row, so each level is paged once however many instances
 * and timers race for it. Timers only wake the service; the sweep covers timers that were lost.
 */
export class EscalationService {
  private timers?: EscalationTimers;

  constructor(
    private readonly db: Database,
    private readonly notifier: EscalationNotifier,
    private readonly links: IncidentLinks,
    private readonly changes: IncidentChangeFeed,
    private readonly logger: Logger,
  ) {}

  useTimers(timers: EscalationTimers): void {
    this.timers = timers;
  }

  attach(feed: IncidentChangeFeed): void {
    feed.subscribe(async (change) => {
      if (change.kind === 'triggered') await this.start(change.incidentId);
      else if (change.kind === 'reopened') await this.restart(change.incidentId);
      else if (change.kind === 'acknowledged' || change.kind === 'closed') await this.settle(change.incidentId);
    });
  }

  /** A new incident: snapshot the first matching rule and page level 1 now. */
  async start(incidentId: number): Promise<FireOutcome> {
    const policy = await this.db.transaction(async (tx) => {
      const incident = await this.lockIncident(tx, incidentId);
      if (!incident || incident.escalationCheckedAt) return undefined;
      const policy = await this.choosePolicy(tx, incident);
      const now = new Date();
      await tx.update(IncidentEntity, incidentId, {
        escalationPolicy: policy ?? null,
        escalationStep: 0,
        escalationDueAt: policy ? now : null,
        escalationCheckedAt: now,
      });
      return policy;
    });
    if (!policy) return { outcome: 'skipped', reason: 'no escalation rule applies' };
    return this.fire(incidentId, 0);
  }

  /** Reopened: start again from level 1 (with the rule snapshotted at trigger, or the one that matches now). */
  async restart(incidentId: number): Promise<FireOutcome> {
    const policy = await this.db.transaction(async (tx) => {
      const incident = await this.lockIncident(tx, incidentId);
      if (!incident || incident.status !== 'triggered') return undefined;
      const policy = incident.escalationPolicy ?? (await this.choosePolicy(tx, incident));
      await tx.update(IncidentEntity, incidentId, {
        escalationPolicy: policy ?? null,
        escalationStep: 0,
        escalationDueAt: policy ? new Date() : null,
        escalationCheckedAt: new Date(),
      });
      return policy;
    });
    if (!policy) return { outcome: 'skipped', reason: 'no escalation rule applies' };
    return this.fire(incidentId, 0);
  }

  /** Someone pressed Escalate: page the next level now, whatever the timers say. */
  async escalateNow(incidentId: number, actor: Actor): Promise<FireOutcome> {
    const incident = await this.db.manager.findOneBy(IncidentEntity, { id: incidentId });
    if (!incident) throw new AppError('not_found', `incident ${incidentId} does not exist`);
    if (incident.status === 'closed') return { outcome: 'skipped', reason: `incident #${incidentId} is closed` };
    if (!incident.escalationPolicy) return { outcome: 'skipped', reason: `no escalation rule applies to incident #${incidentId}` };
    if (incident.escalationStep >= totalSteps(incident.escalationPolicy)) {
      return { outcome: 'skipped', reason: `incident #${incidentId} has already been escalated to its last level` };
    }
    return this.fire(incidentId, incident.escalationStep, actor);
  }

  /**
   * Pages step `step` if it is still the next one. A timer passes no actor; a person pressing Escalate does, and
   * may escalate an acknowledged incident too.
   */
  async fire(incidentId: number, step: number, actor?: Actor): Promise<FireOutcome> {
    const taken = await this.db.transaction(async (tx) => {
      const incident = await this.lockIncident(tx, incidentId);
      const policy = incident?.escalationPolicy;
      if (!incident || !policy) return { skipped: 'no escalation for this incident' };
      if (incident.escalationStep !== step) return { skipped: `step ${step} was already taken` };
      if (step >= totalSteps(policy)) return { skipped: 'escalation finished' };
      if (!actor && !stillEscalating(policy, incident.status)) {
        await tx.update(IncidentEntity, incidentId, { escalationDueAt: null });
        return { skipped: `incident is ${incident.status}` };
      }
      if (incident.status === 'closed') return { skipped: 'incident is closed' };

      const now = new Date();
      const { level, round } = levelOfStep(policy, step);
      const hasNext = step + 1 < totalSteps(policy) && stillEscalating(policy, incident.status);
      const nextDueAt = hasNext ? new Date(now.getTime() + policy.levels[level].waitMinutes * 60_000) : null;
      const paged = await this.targetNames(tx, policy, level);
      await tx.update(IncidentEntity, incidentId, {
        escalationStep: step + 1,
        escalationDueAt: nextDueAt,
        escalationPaged: paged,
        updatedAt: now,
      });
      await appendTimeline(tx, incidentId, 'escalated', actor ?? SYSTEM_ACTOR, now, {
        level: level + 1,
        round: round + 1,
        paged: paged.join(', '),
        rule: policy.ruleName,
      });
      return { incident, policy, level, round, nextDueAt };
    });
    if ('skipped' in taken) return { outcome: 'skipped', reason: taken.skipped ?? 'skipped' };

    // This instance won the step: it alone delivers the page, after the commit. The next step's timer is set first:
    // a delivery held up by Feishu's per-chat limit must not make the next level late.
    const { incident, policy, level, round, nextDueAt } = taken;
    if (nextDueAt) await this.scheduleTimer(incidentId, step + 1, nextDueAt);
    const result = await this.notifier.page(incident, policy.levels[level], level + 1, this.links.detailsUrl(incidentId));
    this.changes.publish({ incidentId, channelId: incident.channelId, kind: 'escalated' });
    return { outcome: 'paged', level: level + 1, round: round + 1, paged: result.paged, nextDueAt };
  }

  /** Acknowledged or closed: drop what is pending when the rule says escalation stops there. */
  async settle(incidentId: number): Promise<void> {
    const incident = await this.db.manager.findOneBy(IncidentEntity, { id: incidentId });
    if (!incident?.escalationPolicy || !incident.escalationDueAt) return;
    if (stillEscalating(incident.escalationPolicy, incident.status)) return;
    await this.db.manager.update(IncidentEntity, { id: incidentId, escalationStep: incident.escalationStep }, { escalationDueAt: null });
    await this.timers?.cancel(incidentId).catch((error: unknown) => this.logger.warn({ err: error, incidentId }, 'escalation timer not cancelled'));
  }

  /**
   * Fires what is overdue (a lost timer) and starts what was never started (a crash after the alert).
   * Run at start and periodically; safe on every instance at once.
   */
  async sweep(now = new Date()): Promise<number> {
    const overdue = await this.db.manager.find(IncidentEntity, {
      where: { escalationDueAt: LessThanOrEqual(new Date(now.getTime() - OVERDUE_GRACE_MS)) },
      select: { id: true, escalationStep: true },
      order: { escalationDueAt: 'ASC' },
      take: SWEEP_BATCH,
    });
    const unchecked = await this.db.manager.find(IncidentEntity, {
      where: { escalationCheckedAt: IsNull(), status: Not('closed'), createdAt: LessThan(new Date(now.getTime() - UNCHECKED_GRACE_MS)) },
      select: { id: true },
      take: SWEEP_BATCH,
    });
    let fired = 0;
    for (const incident of overdue) if ((await this.fire(incident.id, incident.escalationStep)).outcome === 'paged') fired++;
    for (const incident of unchecked) if ((await this.start(incident.id)).outcome === 'paged') fired++;
    return fired;
  }

  private async scheduleTimer(incidentId: number, step: number, dueAt: Date): Promise<void> {
    try {
      await this.timers?.schedule(incidentId, step, dueAt);
    } catch (error) {
      // The sweep fires it late rather than never.
      this.logger.warn({ err: error, incidentId }, 'escalation timer not scheduled; the sweep will fire it');
    }
  }

  private async lockIncident(tx: EntityManager, incidentId: number): Promise<Incident | null> {
    return tx.getRepository(IncidentEntity).findOne({
      where: { id: incidentId },
      lock: this.db.isMysql ? { mode: 'pessimistic_write' } : undefined,
    });
  }

  private async choosePolicy(tx: EntityManager, incident: Incident): Promise<EscalationPolicy | undefined> {
    const [rules, channel] = await Promise.all([
      tx.find(EscalationRuleEntity, { where: { channelId: incident.channelId, enabled: true }, order: { position: 'ASC', id: 'ASC' } }),
      tx.findOneBy(ChannelEntity, { id: incident.channelId }),
    ]);
    const rule = chooseRule(rules, incident, new Date(), channel?.timeZone ?? 'UTC');
    if (!rule) return undefined;
    return { ruleId: rule.id, ruleName: rule.name, levels: rule.levels, repeat: rule.repeat, stopOn: rule.stopOn };
  }

  private async targetNames(tx: EntityManager, policy: EscalationPolicy, level: number): Promise<string[]> {
    const ids = policy.levels[level].memberIds;
    if (ids.length === 0) return [];
    const members = await tx.findBy(MemberEntity, { id: In(ids) });
    return ids.map((id) => members.find((member) => member.id === id)?.name).filter((name): name is string => name !== undefined);
  }
}
