import { In, IsNull, LessThanOrEqual, Not } from 'typeorm';
import { IncidentEntity, type Incident } from '../../db/entities/incident.entity.js';
import type { Database } from '../../db/database.js';
import type { Logger } from '../../lib/logger.js';
import { WriteBatcher } from '../../lib/write-batcher.js';

/** How long a taken step's page may stay undelivered (and unrenewed) before the sweep delivers it again. */
export const DEFAULT_REDELIVERY_MS = 30_000;
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

/**
 * Pages are delivered at least once. A step is listed as undelivered on its incident in the transaction that takes it
 * (EscalationSteps), with a time after which the sweep delivers it again. This class clears the mark once the page is
 * out (in batches: one transaction for a burst of pages), keeps the time moving while this instance is still at it
 * (a page may queue behind a chat's rate limit for long), and hands the sweep the pages whose deliverer is gone.
 */
export class EscalationDeliveries {
  /** Incident id → pages of it this instance is delivering now. */
  private readonly inFlight = new Map<number, number>();
  private readonly delivered = new WriteBatcher<PageDelivery>((pages) => this.clear(pages), { flushAfterMs: FLUSH_AFTER_MS, maxBatch: MAX_BATCH });
  private renewTimer?: NodeJS.Timeout;
  private renewing = false;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    readonly redeliveryMs = DEFAULT_REDELIVERY_MS,
  ) {}

  /** When the sweep delivers a page marked now again, unless it is delivered (or renewed) first. */
  redeliverAt(now: Date): Date {
    return new Date(now.getTime() + this.redeliveryMs);
  }

  /** Runs one page's delivery. Its mark is cleared once `send` succeeds; when it fails the mark stays, for the sweep. */
  async deliver(page: PageDelivery, send: () => Promise<unknown>): Promise<void> {
    this.inFlight.set(page.incidentId, (this.inFlight.get(page.incidentId) ?? 0) + 1);
    this.renewTimer ??= setInterval(() => void this.renew(), Math.max(50, this.redeliveryMs / 3)).unref();
    try {
      await send();
      this.markDelivered(page);
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
    this.delivered.add(page);
  }

  /** Writes the cleared marks; resolves once every mark cleared before the call is stored (or logged as failed). */
  flush(): Promise<void> {
    return this.delivered.flush();
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

  private async clear(pages: PageDelivery[]): Promise<void> {
    const byIncident = new Map<number, PageDelivery[]>();
    for (const page of pages) byIncident.set(page.incidentId, [...(byIncident.get(page.incidentId) ?? []), page]);
    try {
      await this.db.transaction(async (tx) => {
        const rows = await tx.getRepository(IncidentEntity).find({
          where: { id: In([...byIncident.keys()]) },
          select: { id: true, escalationUndelivered: true, escalationCheckedAt: true },
          order: { id: 'ASC' },
          lock: this.db.isMysql ? { mode: 'pessimistic_write' } : undefined,
        });
        const emptied: number[] = [];
        for (const row of rows) {
          // A page of an earlier run (the incident was reopened since) clears nothing of the current one.
          const delivered = new Set(byIncident.get(row.id)!.filter((page) => page.run === escalationRun(row)).map((page) => page.step));
          const left = (row.escalationUndelivered ?? []).filter((step) => !delivered.has(step));
          if (left.length === 0) emptied.push(row.id);
          else if (left.length !== (row.escalationUndelivered ?? []).length) await tx.update(IncidentEntity, row.id, { escalationUndelivered: left });
        }
        if (emptied.length > 0) {
          await tx.update(IncidentEntity, { id: In(emptied), escalationUndelivered: Not(IsNull()) }, { escalationUndelivered: null, escalationRedeliverAt: null });
        }
      });
    } catch (error) {
      this.logger.warn({ err: error, pages: pages.length }, 'escalation delivery marks not cleared; the sweep will deliver those pages again');
    }
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
