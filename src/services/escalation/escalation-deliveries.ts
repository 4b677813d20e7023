import { In, IsNull, LessThanOrEqual, Not } from 'typeorm';
import { IncidentEventEntity } from '../../db/entities/incident-event.entity.js';
import { IncidentEntity, type Incident, type PageRetry } from '../../db/entities/incident.entity.js';
import type { Database } from '../../db/database.js';
import { SYSTEM_ACTOR } from '../../domain/actor.js';
import type { Logger } from '../../lib/logger.js';
import { backoff } from '../../lib/retry.js';
import { WriteBatcher } from '../../lib/write-batcher.js';
import { timelineEntry } from '../incidents/timeline.js';
import type { PageOutcome } from './page-outcome.js';
import { withReach } from '../../domain/page-reach.js';

/** How long a taken step's page may stay undelivered (and unrenewed) before the sweep delivers it again. */
export const DEFAULT_REDELIVERY_MS = 30_000;
/**
 * When the sweep sends again what failed of a page: about 5 s after the first failed delivery, doubling with each
 * further one (with jitter, so a recovering IM is not hit by every page at once), at most 5 minutes apart.
 */
export const DEFAULT_RETRY_BACKOFF = { firstMs: 5_000, maxMs: 300_000 };
const FLUSH_AFTER_MS = 100;
const MAX_BATCH = 500;
const CLAIM_BATCH = 100;

/** One page: step `step` of the escalation run `run` of an incident. */
export interface PageDelivery {
  incidentId: number;
  run: number;
  step: number;
}

/**
 * The escalation run an incident is in: when its rules were last looked at (a reopen starts a new run, whose steps
 * count from 0 again). Steps of different runs must never be taken for one another.
 */
export function escalationRun(incident: Pick<Incident, 'escalationCheckedAt'>): number {
  return incident.escalationCheckedAt?.getTime() ?? 0;
}

/** The name of one page, the same on every delivery of it (and on every instance). */
export function pageKey({ incidentId, run, step }: PageDelivery): string {
  return `escalation:${incidentId}:${run}:${step}`;
}

/** A delivery of a page that ended: its sends all out (or gone for good), or some to be sent again. */
interface SettledPage {
  page: PageDelivery;
  outcome: PageOutcome;
}

const ALL_SENT: PageOutcome = { retry: [] };

/** An incident on which someone paged became not reached, or was reached after all. */
export interface ReachChanged {
  id: number;
  channelId: number;
  kind: 'not_reached' | 'reached';
}

/** Names come from admins: a level of many long names must not make a huge timeline entry. */
const MAX_NAMES_CHARS = 1000;

function namesText(names: string[]): string {
  const text = names.join(', ');
  return text.length > MAX_NAMES_CHARS ? `${text.slice(0, MAX_NAMES_CHARS - 1)}…` : text;
}

/**
 * Pages are delivered at least once. A step is listed as undelivered on its incident in the transaction that takes it
 * (EscalationSteps), with a time after which the sweep delivers it again. This class clears the mark once the page is
 * out or its only failures are final (in batches: one transaction for a burst of pages), keeps the time moving while
 * this instance is still at it (a page may queue behind a chat's rate limit for long), and hands the sweep the pages
 * whose deliverer is gone, and those whose sends failed — then with the failed sends listed on the incident and the
 * time set a backoff ahead, so the sweep sends only those again, later each time, until they go out.
 */
export class EscalationDeliveries {
  /** Incident id → pages of it this instance is delivering now. */
  private readonly inFlight = new Map<number, number>();
  private readonly settled = new WriteBatcher<SettledPage>((pages) => this.settle(pages), { flushAfterMs: FLUSH_AFTER_MS, maxBatch: MAX_BATCH });
  private renewTimer?: NodeJS.Timeout;
  private reachListener?: (changed: ReachChanged) => void;
  private renewing = false;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    readonly redeliveryMs = DEFAULT_REDELIVERY_MS,
    private readonly retryBackoff = DEFAULT_RETRY_BACKOFF,
  ) {}

  /** `listener` hears of each incident on which someone became not reached, or was reached after all (after the commit). */
  onReachChanged(listener: (changed: ReachChanged) => void): void {
    this.reachListener = listener;
  }

  /** When the sweep delivers a page marked now again, unless it is delivered (or renewed) first. */
  redeliverAt(now: Date): Date {
    return new Date(now.getTime() + this.redeliveryMs);
  }

  /**
   * Runs one page's delivery. `send` tells which of its sends are to be sent again (none: the mark is cleared); when
   * it throws, the mark stays as it was, for the sweep.
   */
  async deliver(page: PageDelivery, send: () => Promise<PageOutcome | void>): Promise<void> {
    this.inFlight.set(page.incidentId, (this.inFlight.get(page.incidentId) ?? 0) + 1);
    this.renewTimer ??= setInterval(() => void this.renew(), Math.max(50, this.redeliveryMs / 3)).unref();
    try {
      this.settled.add({ page, outcome: (await send()) ?? ALL_SENT });
    } finally {
      const left = (this.inFlight.get(page.incidentId) ?? 1) - 1;
      if (left > 0) this.inFlight.set(page.incidentId, left);
      else this.inFlight.delete(page.incidentId);
      if (this.inFlight.size === 0) {
        clearInterval(this.renewTimer);
        this.renewTimer = undefined;
      }
    }
  }

  /** A page that needs no delivery any more (its incident was closed meanwhile): only its mark goes. */
  markDelivered(page: PageDelivery): void {
    this.settled.add({ page, outcome: ALL_SENT });
  }

  /** Writes the settled pages; resolves once every page settled before the call is stored (or logged as failed). */
  flush(): Promise<void> {
    return this.settled.flush();
  }

  /**
   * Incidents with pages whose delivery did not finish in time (the instance delivering them died), each claimed by
   * moving its redelivery time on with a compare-and-set, so one sweep at a time delivers it again.
   */
  async claimUnfinished(now: Date): Promise<Incident[]> {
    const overdue = await this.db.manager.find(IncidentEntity, {
      where: { escalationRedeliverAt: LessThanOrEqual(now) },
      order: { escalationRedeliverAt: 'ASC' },
      take: CLAIM_BATCH,
    });
    const claimed: Incident[] = [];
    for (const incident of overdue) {
      // Still at it here: the renewal is merely late.
      if (this.inFlight.has(incident.id)) continue;
      const moved = await this.db.transaction((tx) =>
        tx.update(IncidentEntity, { id: incident.id, escalationRedeliverAt: incident.escalationRedeliverAt! }, { escalationRedeliverAt: this.redeliverAt(new Date()) }),
      );
      if (moved.affected === 1) claimed.push(incident);
    }
    return claimed;
  }

  /**
   * One transaction for a batch of settled pages: clears the marks of those out, lists what failed of the others
   * with their retry time, and records on the timeline who a page did not reach for good.
   */
  private async settle(pages: SettledPage[]): Promise<void> {
    const byIncident = new Map<number, SettledPage[]>();
    // Incidents whose shown reach changed, for the listener once committed.
    const reachChanged = new Map<number, ReachChanged>();
    const noteReach = (row: Pick<Incident, 'id' | 'channelId'>, kind: ReachChanged['kind']) => {
      if (reachChanged.get(row.id)?.kind !== 'not_reached') reachChanged.set(row.id, { id: row.id, channelId: row.channelId, kind });
    };
    for (const settled of pages) byIncident.set(settled.page.incidentId, [...(byIncident.get(settled.page.incidentId) ?? []), settled]);
    try {
      await this.db.transaction(async (tx) => {
        const rows = await tx.getRepository(IncidentEntity).find({
          where: { id: In([...byIncident.keys()]) },
          select: { id: true, channelId: true, escalationUndelivered: true, escalationCheckedAt: true, escalationRetries: true, pagedReach: true },
          order: { id: 'ASC' },
          lock: this.db.isMysql ? { mode: 'pessimistic_write' } : undefined,
        });
        const now = new Date();
        const emptied: number[] = [];
        const entries = [];
        for (const row of rows) {
          const undelivered = row.escalationUndelivered ?? [];
          const left = new Set(undelivered);
          const retries: Record<string, PageRetry> = { ...row.escalationRetries };
          let retryAt: Date | undefined;
          let changed = false;
          let reach = row.pagedReach;
          for (const { page, outcome } of byIncident.get(row.id)!) {
            // Whom a page reached is true whichever delivery of it found out, a late one too.
            const reachChange = outcome.reach && withReach(reach, outcome.reach);
            if (reachChange) reach = reachChange.reach;
            if (reachChange?.reachedAfterAll.length) {
              entries.push(timelineEntry(row.id, 'reached', SYSTEM_ACTOR, now, { level: outcome.reach!.level, round: outcome.reach!.round, members: namesText(reachChange.reachedAfterAll) }));
              noteReach(row, 'reached');
            }
            const nobodyReached = reachChange?.newlyNotReached.length ? { members: namesText(reachChange.newlyNotReached) } : undefined;
            if (nobodyReached) noteReach(row, 'not_reached');
            // A page of an earlier run (the incident was reopened since), or settled already, changes nothing more.
            const current = page.run === escalationRun(row) && left.has(page.step);
            const failedForGood = current ? outcome.notReached : undefined;
            if (failedForGood || nobodyReached) {
              const at = { level: outcome.reach?.level ?? null, round: outcome.reach?.round ?? null };
              entries.push(timelineEntry(row.id, 'not_reached', SYSTEM_ACTOR, now, { ...at, ...failedForGood, ...nobodyReached }));
            }
            if (!current) continue;
            changed = true;
            if (outcome.retry.length === 0) {
              left.delete(page.step);
              delete retries[page.step];
              continue;
            }
            const attempts = (retries[page.step]?.attempts ?? 0) + 1;
            retries[page.step] = { attempts, targets: outcome.retry };
            const at = new Date(now.getTime() + backoff(attempts, this.retryBackoff.firstMs, this.retryBackoff.maxMs));
            if (!retryAt || at < retryAt) retryAt = at;
          }
          if (JSON.stringify(reach) !== JSON.stringify(row.pagedReach)) await tx.update(IncidentEntity, row.id, { pagedReach: reach });
          if (!changed) continue;
          if (left.size === 0) {
            emptied.push(row.id);
            continue;
          }
          const changes: Partial<Incident> = {
            escalationUndelivered: undelivered.filter((step) => left.has(step)),
            escalationRetries: Object.keys(retries).length > 0 ? retries : null,
          };
          // Another page of the incident still being sent here keeps the time at least a renewal ahead.
          if (retryAt) changes.escalationRedeliverAt = this.inFlight.has(row.id) ? new Date(Math.max(retryAt.getTime(), this.redeliverAt(now).getTime())) : retryAt;
          await tx.update(IncidentEntity, row.id, changes);
        }
        if (emptied.length > 0) {
          await tx.update(
            IncidentEntity,
            { id: In(emptied), escalationUndelivered: Not(IsNull()) },
            { escalationUndelivered: null, escalationRedeliverAt: null, escalationRetries: null },
          );
        }
        if (entries.length > 0) await tx.insert(IncidentEventEntity, entries);
      });
    } catch (error) {
      this.logger.warn({ err: error, pages: pages.length }, 'escalation delivery marks not stored; the sweep will deliver those pages again');
      return;
    }
    for (const changed of reachChanged.values()) this.reachListener?.(changed);
  }

  /** Moves the redelivery time of the pages this instance is still delivering on, so no sweep takes them over. */
  private async renew(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    const ids = [...this.inFlight.keys()];
    const until = this.redeliverAt(new Date());
    try {
      for (let index = 0; index < ids.length; index += MAX_BATCH) {
        const chunk = ids.slice(index, index + MAX_BATCH);
        await this.db.transaction((tx) => tx.update(IncidentEntity, { id: In(chunk), escalationRedeliverAt: Not(IsNull()) }, { escalationRedeliverAt: until }));
      }
    } catch (error) {
      this.logger.warn({ err: error, incidents: ids.length }, 'escalation deliveries not renewed; the sweep may deliver some pages again');
    } finally {
      this.renewing = false;
    }
  }
}
