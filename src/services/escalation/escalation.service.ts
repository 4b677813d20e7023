import { IsNull, LessThan, LessThanOrEqual, Not, type EntityManager } from 'typeorm';
import { IncidentEventEntity } from '../../db/entities/incident-event.entity.js';
import { IncidentEntity, type Incident } from '../../db/entities/incident.entity.js';
import type { Database } from '../../db/database.js';
import { levelOfStep, totalSteps, type EscalationPolicy } from '../../domain/escalation-policy.js';
import { AppError } from '../../lib/errors.js';
import { forEachBounded } from '../../lib/for-each-bounded.js';
import type { Logger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics.js';
import type { Actor } from '../../domain/actor.js';
import type { EscalationNotifier } from './escalation-notifier.js';
import type { ChannelsWithRules } from './channels-with-rules.js';
import { chooseEscalationRule, policyOf } from './escalation-rule-choice.js';
import { EscalationCheckedMarker } from './escalation-checked-marker.js';
import { DEFAULT_REDELIVERY_MS, EscalationDeliveries, escalationRun, pageKey, type PageDelivery } from './escalation-deliveries.js';
import { EscalationSteps, type TakenStep } from './escalation-steps.js';
import { pageOutcome } from './page-outcome.js';
import type { IncidentChangeFeed } from '../incidents/incident-change-feed.js';
import type { IncidentLinks } from '../incidents/incident-links.js';
import type { EscalationTimers } from '../ports/escalation-timers.js';

export type FireOutcome =
  /** The step is taken (committed); `paged` names the level's targets, whose page is being delivered. */
  | { outcome: 'paged'; level: number; round: number; paged: string[]; nextDueAt: Date | null }
  /** Another instance (or an earlier run) already paged this step, or escalation no longer applies. */
  | { outcome: 'skipped'; reason: string };

/** Incidents whose rules were never looked at (a crash between the alert and that) are picked up after this. */
const UNCHECKED_GRACE_MS = 10_000;
/** A due step not fired by its timer within this is fired by the sweep. */
const OVERDUE_GRACE_MS = 2_000;
const DUE_BATCH = 500;
/** Due steps taken in one transaction: one commit (one log flush) for many pages. */
const TAKE_BATCH = 50;

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));
}

/**
 * Pages the next person when nobody answers. The incident row holds the state (policy snapshot, step, due time);
 * every step is taken by a compare-and-set on that row, so each level is taken once however many instances
 * and timers race for it. Its page is delivered after the commit, in the background, at least once: a step stays
 * listed as undelivered until its page is out, and the sweep delivers again what a dead instance left, under the
 * same idempotency keys. Timers only wake the service; the sweep also covers timers that were lost.
 */
export class EscalationService {
  private timers?: EscalationTimers;
  private readonly checkedMarks: EscalationCheckedMarker;
  private readonly pages: EscalationDeliveries;
  /** Work started here that stop() must wait for: starts, pages, confirmations. */
  private readonly running = new Set<Promise<unknown>>();
  /** Public so that tests can watch every step taken or refused. */
  readonly steps: EscalationSteps;

  constructor(
    private readonly db: Database,
    private readonly notifier: EscalationNotifier,
    private readonly links: IncidentLinks,
    private readonly changes: IncidentChangeFeed,
    private readonly channelsWithRules: ChannelsWithRules,
    private readonly logger: Logger,
    private readonly metrics: Pick<Metrics, 'escalationStepFired' | 'pagesRetried'>,
    redeliveryMs = DEFAULT_REDELIVERY_MS,
  ) {
    this.checkedMarks = new EscalationCheckedMarker(db, logger);
    this.pages = new EscalationDeliveries(db, logger, redeliveryMs);
    // Cards and the console show who was not reached: they are told when that changes.
    this.pages.onReachChanged((incident) => this.changes.publish({ incidentId: incident.id, channelId: incident.channelId, kind: incident.kind }));
    this.steps = new EscalationSteps(db, (takenAt) => this.pages.redeliverAt(takenAt));
  }

  useTimers(timers: EscalationTimers): void {
    this.timers = timers;
  }

  attach(feed: IncidentChangeFeed): void {
    feed.subscribe(async (change) => {
      if (change.kind === 'triggered') await this.tracked(this.start(change.incidentId, change.channelId));
      else if (change.kind === 'reopened') await this.tracked(this.restart(change.incidentId));
      // Acknowledge and close drop the pending step themselves (escalationOnStatus), in the same write.
    });
  }

  /**
   * A new incident: snapshot the first matching rule and page level 1 now. Given the channel, an incident in a
   * channel without rules costs no transaction of its own (most channels have none, and every alert gets here).
   */
  async start(incidentId: number, channelId?: number): Promise<FireOutcome> {
    if (channelId !== undefined && !(await this.channelsWithRules.has(channelId))) {
      this.track(this.confirmNoRule(incidentId, channelId));
      return { outcome: 'skipped', reason: 'no escalation rule applies' };
    }
    // The rule whose time window held when the incident was created, even when the sweep starts it later.
    return this.begin(incidentId, async (tx, incident) => (incident.escalationCheckedAt ? 'unchanged' : await this.choosePolicy(tx, incident, incident.createdAt)));
  }

  /**
   * The kept "no rule" may predate a rule created on another instance: ask a load that began after the incident.
   * Until then the incident stays unmarked, so a crash in between leaves it to the sweep rather than unescalated.
   */
  private async confirmNoRule(incidentId: number, channelId: number): Promise<void> {
    let hasRules: boolean;
    try {
      hasRules = await this.channelsWithRules.confirmed(channelId);
    } catch (error) {
      this.logger.warn({ err: error, incidentId }, 'escalation rules not looked up; the sweep will look again');
      return;
    }
    if (hasRules) await this.start(incidentId);
    else this.checkedMarks.mark(incidentId);
  }

  /** Reopened: start again from level 1 (with the rule snapshotted at trigger, or the one that matches now). */
  async restart(incidentId: number): Promise<FireOutcome> {
    return this.begin(incidentId, async (tx, incident) =>
      incident.status !== 'triggered' ? 'unchanged' : (incident.escalationPolicy ?? (await this.choosePolicy(tx, incident, new Date()))),
    );
  }

  /** Puts the picked policy on the incident and takes level 1 in the same transaction, then pages it. */
  private async begin(
    incidentId: number,
    pick: (tx: EntityManager, incident: Incident) => Promise<EscalationPolicy | undefined | 'unchanged'>,
  ): Promise<FireOutcome> {
    const taken = await this.db.transaction(async (tx) => {
      const incident = await this.lockIncident(tx, incidentId);
      if (!incident) return undefined;
      const policy = await pick(tx, incident);
      if (policy === 'unchanged') return undefined;
      const now = new Date();
      // A new run: what an earlier run left undelivered is moot (its incident was closed).
      await tx.update(IncidentEntity, incidentId, {
        escalationPolicy: policy ?? null,
        escalationStep: 0,
        escalationDueAt: policy ? now : null,
        escalationCheckedAt: now,
        escalationUndelivered: null,
        escalationRedeliverAt: null,
        escalationRetries: null,
      });
      if (!policy) return undefined;
      const [step] = await this.steps.takeWithin(tx, [{ incidentId, step: 0 }]);
      return step;
    });
    if (!taken || 'skipped' in taken) return { outcome: 'skipped', reason: taken?.skipped ?? 'no escalation rule applies' };
    return this.deliver(taken);
  }

  /**
   * Someone pressed Escalate: page the next level now, whatever the timers say. `shownStep`: the step the pressed
   * card showed (how many steps had been taken); when the incident has moved on since (a double click, a stale card,
   * someone else's click), nothing is paged and the reason says who escalated. Without it (the command), the next
   * level is paged.
   */
  async escalateNow(incidentId: number, actor: Actor, shownStep?: number): Promise<FireOutcome> {
    const incident = await this.db.manager.findOneBy(IncidentEntity, { id: incidentId });
    if (!incident) throw new AppError('not_found', `incident ${incidentId} does not exist`);
    if (incident.status === 'closed') return { outcome: 'skipped', reason: `incident #${incidentId} is closed` };
    if (!incident.escalationPolicy) return { outcome: 'skipped', reason: `no escalation rule applies to incident #${incidentId}` };
    if (shownStep !== undefined && shownStep !== incident.escalationStep) return { outcome: 'skipped', reason: await this.escalatedSince(incidentId) };
    if (incident.escalationStep >= totalSteps(incident.escalationPolicy)) {
      return { outcome: 'skipped', reason: `incident #${incidentId} has already been escalated to its last level` };
    }
    const outcome = await this.fire(incidentId, incident.escalationStep, actor);
    // Lost the race for the step (two clicks at once, or its timer).
    if (outcome.outcome === 'skipped' && (await this.db.manager.findOneBy(IncidentEntity, { id: incidentId }))?.escalationStep !== incident.escalationStep) {
      return { outcome: 'skipped', reason: await this.escalatedSince(incidentId) };
    }
    return outcome;
  }

  /** Who took the incident's latest step, for a click that came too late: "… was already escalated to level 2 by Alice". */
  private async escalatedSince(incidentId: number): Promise<string> {
    const latest = await this.db.manager.findOne(IncidentEventEntity, { where: { incidentId, kind: 'escalated' }, order: { id: 'DESC' } });
    if (!latest) return `incident #${incidentId} has changed since this card was shown`;
    const by = latest.actorType === 'system' ? 'by its escalation rule' : `by ${latest.actorName}`;
    const paged = latest.detail?.paged ? ` (paged ${latest.detail.paged})` : '';
    return `incident #${incidentId} was already escalated to level ${latest.detail?.level ?? '?'} ${by}${paged}`;
  }

  /**
   * Pages step `step` if it is still the next one. A timer passes no actor; a person pressing Escalate does, and
   * may escalate an acknowledged incident too. Resolves once the step is taken; the page goes out in the background.
   */
  async fire(incidentId: number, step: number, actor?: Actor): Promise<FireOutcome> {
    const [taken] = await this.steps.take([{ incidentId, step }], actor);
    if ('skipped' in taken) return { outcome: 'skipped', reason: taken.skipped };
    return this.deliver(taken, actor);
  }

  /**
   * Fires every step due by `dueBy` (a timer waking up, or the sweep). Steps are taken in batches, one transaction
   * each; their pages are delivered without holding up the next batch, since a page may wait on a chat's rate limit.
   * Returns how many steps this call took.
   */
  async fireDue(dueBy: Date): Promise<number> {
    const tried = new Set<number>();
    let taken = 0;
    for (;;) {
      const due = (
        await this.db.manager.find(IncidentEntity, {
          where: { escalationDueAt: LessThanOrEqual(dueBy) },
          select: { id: true, escalationStep: true },
          order: { escalationDueAt: 'ASC' },
          take: DUE_BATCH,
        })
      ).filter((incident) => !tried.has(incident.id));
      if (due.length === 0) return taken;
      for (const incident of due) tried.add(incident.id);
      await forEachBounded(chunks(due, TAKE_BATCH), this.db.isMysql ? 4 : 1, async (batch) => {
        const results = await this.steps.take(batch.map((incident) => ({ incidentId: incident.id, step: incident.escalationStep }))).catch((error: unknown) => {
          this.logger.error({ err: error, incidents: batch.length }, 'escalation steps not taken; the sweep will try again');
          return [];
        });
        for (const result of results) {
          if ('skipped' in result) continue;
          taken++;
          this.track(this.deliver(result));
        }
      });
    }
  }

  /**
   * Resolves when what this instance started (starts, pages) has finished and its marks are stored: for shutdown,
   * which stops new work first, and for tests.
   */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    // Confirmed "no rule" answers among those mark their incidents; delivered pages clear theirs.
    await this.checkedMarks.flush();
    await this.pages.flush();
  }

  /**
   * This instance won the step: it alone delivers the page, after the commit, without waiting for it (a click's
   * answer must not wait for a chat's rate limit). The next step's timer is set first: a delivery held up by
   * Feishu's per-chat limit must not make the next level late.
   */
  private async deliver({ incident, policy, step, run, level, round, paged, nextDueAt }: TakenStep, actor?: Actor): Promise<FireOutcome> {
    this.countStep(incident, actor);
    if (nextDueAt) await this.wakeAt(incident.id, nextDueAt);
    this.changes.publish({ incidentId: incident.id, channelId: incident.channelId, kind: 'escalated' });
    this.track(this.sendPage(incident, policy, { incidentId: incident.id, run, step }));
    return { outcome: 'paged', level: level + 1, round: round + 1, paged, nextDueAt };
  }

  /**
   * Sends one step's page under its delivery key — to `only` those targets when given (what failed last time) — and
   * settles it: its undelivered mark is cleared once every send is out or failed for good; sends that may still go
   * out are left to the sweep.
   */
  private sendPage(incident: Incident, policy: EscalationPolicy, page: PageDelivery, only?: string[]): Promise<void> {
    const { level, round } = levelOfStep(policy, page.step);
    return this.pages.deliver(page, async () => {
      const result = await this.notifier.page(incident, policy.levels[level], level + 1, this.links.detailsUrl(incident.id), pageKey(page), only && new Set(only));
      const at = { level: level + 1, round: round + 1 };
      return { ...pageOutcome(result.failed, at), reach: { ...at, reached: result.reached, notReached: result.notReached } };
    });
  }

  /**
   * Delivers again the pages whose delivery never finished (the instance delivering them died between the step's
   * commit and the page), and what failed of those whose sends failed, once their backoff is over. Platforms that
   * deduplicate (Feishu's uuid) send nothing twice; a closed incident's leftover pages are dropped. Returns how many
   * pages are being delivered again.
   */
  private async redeliverUnfinished(now: Date): Promise<number> {
    let pages = 0;
    for (const incident of await this.pages.claimUnfinished(now)) {
      const policy = incident.escalationPolicy;
      for (const step of incident.escalationUndelivered ?? []) {
        const page = { incidentId: incident.id, run: escalationRun(incident), step };
        if (!policy || incident.status === 'closed' || step >= totalSteps(policy)) {
          this.pages.markDelivered(page);
          continue;
        }
        pages++;
        this.track(this.sendPage(incident, policy, page, incident.escalationRetries?.[step]?.targets));
      }
    }
    if (pages > 0) this.logger.warn({ pages }, 'escalation pages not delivered yet are delivered again');
    this.metrics.pagesRetried(pages);
    return pages;
  }

  /** `incident` as it was when the step was taken: its due time tells how late a scheduled step is. */
  private countStep(incident: Incident, actor?: Actor): void {
    if (actor) this.metrics.escalationStepFired('person');
    else this.metrics.escalationStepFired('schedule', incident.escalationDueAt ? (Date.now() - incident.escalationDueAt.getTime()) / 1000 : undefined);
  }

  private track(work: Promise<unknown>): void {
    void this.tracked(work);
  }

  /** `work`, counted until it settles (idle() waits for it); failures are logged, never thrown. */
  private tracked<T>(work: Promise<T>): Promise<T | undefined> {
    const settled = work.catch((error: unknown) => {
      this.logger.error({ err: error }, 'escalation work failed');
      return undefined;
    });
    this.running.add(settled);
    void settled.finally(() => this.running.delete(settled));
    return settled;
  }

  /**
   * Fires what is overdue (a lost timer), starts what was never started (a crash after the alert), and delivers
   * again the pages whose delivery did not finish (a crash after the step). Run at start and periodically; safe on
   * every instance at once. Returns how many steps it took.
   */
  async sweep(now = new Date()): Promise<number> {
    let fired = await this.fireDue(new Date(now.getTime() - OVERDUE_GRACE_MS));
    const unchecked = await this.db.manager.find(IncidentEntity, {
      where: { escalationCheckedAt: IsNull(), status: Not('closed'), createdAt: LessThan(new Date(now.getTime() - UNCHECKED_GRACE_MS)) },
      select: { id: true },
      take: DUE_BATCH,
    });
    for (const incident of unchecked) if ((await this.start(incident.id)).outcome === 'paged') fired++;
    await this.redeliverUnfinished(now);
    return fired;
  }

  private async wakeAt(incidentId: number, dueAt: Date): Promise<void> {
    try {
      await this.timers?.wakeAt(dueAt);
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

  /** The policy of the first rule that matches the incident at `at`. */
  private async choosePolicy(tx: EntityManager, incident: Incident, at: Date): Promise<EscalationPolicy | undefined> {
    const rule = await chooseEscalationRule(tx, incident.channelId, incident, at);
    return rule && policyOf(rule);
  }
}
