import { In, type EntityManager } from 'typeorm';
import { IncidentEventEntity } from '../../db/entities/incident-event.entity.js';
import { IncidentEntity, type Incident } from '../../db/entities/incident.entity.js';
import { MemberEntity } from '../../db/entities/member.entity.js';
import type { Database } from '../../db/database.js';
import { decideStep, type EscalationPolicy, type StepDecision } from '../../domain/escalation-policy.js';
import { SYSTEM_ACTOR, type Actor } from '../../domain/actor.js';
import { escalationRun } from './escalation-deliveries.js';
import { timelineEntry } from '../incidents/timeline.js';

export interface StepRequest {
  incidentId: number;
  /** The step the caller believes is next; taken only if it still is (compare-and-set). */
  step: number;
}

/** A step this instance took (committed), still to be delivered. */
export interface TakenStep {
  /** The row as it was before the step was taken. */
  incident: Incident;
  policy: EscalationPolicy;
  /** The step taken, and the escalation run it belongs to (see escalationRun). */
  step: number;
  run: number;
  level: number;
  round: number;
  paged: string[];
  nextDueAt: Date | null;
}

export type StepTaking = TakenStep | { skipped: string };

/**
 * The compare-and-set at the heart of escalation: a step is taken by moving the incident row on to the next step
 * in a transaction holding the row's lock, so each step is taken once however many instances and timers race for
 * it. Many steps are taken in one transaction (one commit for a burst of due steps).
 */
export class EscalationSteps {
  /** `redeliverAt`: when the sweep delivers a step taken at a given time again, unless its page went out first. */
  constructor(
    private readonly db: Database,
    private readonly redeliverAt: (takenAt: Date) => Date,
  ) {}

  /** One result per request, in order. A timer passes no actor; a person pressing Escalate does. */
  async take(requests: StepRequest[], actor?: Actor): Promise<StepTaking[]> {
    if (requests.length === 0) return [];
    return this.db.transaction((tx) => this.takeWithin(tx, requests, actor));
  }

  /** take(), inside the caller's transaction (which commits it). */
  async takeWithin(tx: EntityManager, requests: StepRequest[], actor?: Actor): Promise<StepTaking[]> {
    const ids = requests.map((request) => request.incidentId);
    const rows = await tx.getRepository(IncidentEntity).find({
      where: { id: In(ids) },
      order: { id: 'ASC' },
      lock: this.db.isMysql ? { mode: 'pessimistic_write' } : undefined,
    });
    const byId = new Map(rows.map((row) => [row.id, row]));
    const now = new Date();
    const decisions = requests.map((request) => decideStep(byId.get(request.incidentId), request.step, actor !== undefined, now));

    const stopped = requests.filter((_, index) => {
      const decision = decisions[index];
      return !decision.take && decision.stopEscalating;
    });
    if (stopped.length > 0) await tx.update(IncidentEntity, { id: In(stopped.map((request) => request.incidentId)) }, { escalationDueAt: null });

    const names = await this.memberNames(tx, requests, decisions, byId);
    const results: StepTaking[] = [];
    const entries = [];
    for (const [index, request] of requests.entries()) {
      const decision = decisions[index];
      if (!decision.take) {
        results.push({ skipped: decision.reason });
        continue;
      }
      const incident = byId.get(request.incidentId)!;
      const policy = incident.escalationPolicy!;
      const paged = policy.levels[decision.level].memberIds.map((id) => names.get(id)).filter((name): name is string => name !== undefined);
      // Listed as undelivered in the same write: a crash before the page goes out leaves it to the sweep.
      await tx.update(IncidentEntity, incident.id, {
        escalationStep: request.step + 1,
        escalationDueAt: decision.nextDueAt,
        escalationPaged: paged,
        pagedResponders: withPaged(incident.pagedResponders, paged),
        escalationUndelivered: [...(incident.escalationUndelivered ?? []), request.step],
        escalationRedeliverAt: this.redeliverAt(now),
        updatedAt: now,
      });
      entries.push(
        timelineEntry(incident.id, 'escalated', actor ?? SYSTEM_ACTOR, now, {
          level: decision.level + 1,
          round: decision.round + 1,
          paged: paged.join(', '),
          rule: policy.ruleName,
        }),
      );
      results.push({ incident, policy, step: request.step, run: escalationRun(incident), level: decision.level, round: decision.round, paged, nextDueAt: decision.nextDueAt });
    }
    if (entries.length > 0) await tx.insert(IncidentEventEntity, entries);
    return results;
  }

  /** Names of every member the taken steps page, in one query. */
  private async memberNames(
    tx: EntityManager,
    requests: StepRequest[],
    decisions: StepDecision[],
    byId: Map<number, Incident>,
  ): Promise<Map<number, string>> {
    const memberIds = new Set<number>();
    for (const [index, request] of requests.entries()) {
      const decision = decisions[index];
      if (decision.take) for (const id of byId.get(request.incidentId)!.escalationPolicy!.levels[decision.level].memberIds) memberIds.add(id);
    }
    if (memberIds.size === 0) return new Map();
    const members = await tx.findBy(MemberEntity, { id: In([...memberIds]) });
    return new Map(members.map((member) => [member.id, member.name]));
  }
}

/** At most this many names are kept as an incident's paged responders: the card shows the first few anyway. */
const PAGED_RESPONDERS_KEPT = 50;

/** `known` with the newly paged names added at the end, each name once. */
function withPaged(known: string[] | null, paged: string[]): string[] | null {
  const names = [...new Set([...(known ?? []), ...paged])].slice(0, PAGED_RESPONDERS_KEPT);
  return names.length > 0 ? names : known;
}
