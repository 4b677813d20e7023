import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { AlertEntity } from '../../db/entities/alert.entity.js';
import { ChannelEntity } from '../../db/entities/channel.entity.js';
import { IncidentEventEntity, type IncidentEvent } from '../../db/entities/incident-event.entity.js';
import { IncidentEntity, type Incident } from '../../db/entities/incident.entity.js';
import { MemberEntity } from '../../db/entities/member.entity.js';
import type { Database } from '../../db/database.js';

/** How many of the newest timeline entries a card is built from. */
const TIMELINE_ENTRIES = 50;

export type TimelineEntry = Pick<IncidentEvent, 'id' | 'kind' | 'actorType' | 'actorName' | 'createdAt'> & {
  /** Whom a `not_reached` or `reached` entry is about (`detail.members`); other kinds' details are not read. */
  members?: string;
};

/** Kinds whose detail a card shows (who was not reached); the others' are left in the database. */
const KINDS_WITH_MEMBERS = ['not_reached', 'reached'];

export interface IncidentFacts {
  incident: Incident;
  channelName: string | null;
  channelTimeZone: string | null;
  acknowledgedByName: string | null;
  closedByName: string | null;
  alertCount: number;
  eventCount: number;
  firstSeenAt?: Date;
  lastSeenAt?: Date;
  /** Newest first. */
  timeline: TimelineEntry[];
}

/**
 * Everything a card shows, in one query: the incident row with its channel's and acting members' names, its
 * alerts' totals, and one result row per recent timeline entry (each query is a round trip on the click's path).
 */
export async function readIncidentFacts(db: Database, incidentId: number): Promise<IncidentFacts | undefined> {
  const { entities, raw } = await db.manager
    .createQueryBuilder(IncidentEntity, 'incident')
    .leftJoin(ChannelEntity.options.name, 'channel', 'channel.id = incident.channelId')
    .leftJoin(MemberEntity.options.name, 'acker', 'acker.id = incident.acknowledgedBy')
    .leftJoin(MemberEntity.options.name, 'closer', 'closer.id = incident.closedBy')
    .leftJoin(alertTotals, 'totals', '1 = 1')
    .leftJoin(recentTimeline, 'entry', '1 = 1')
    .addSelect('channel.name', 'channelName')
    .addSelect('acker.name', 'acknowledgedByName')
    .addSelect('closer.name', 'closedByName')
    .addSelect('channel.timeZone', 'channelTimeZone')
    .addSelect('totals.alerts', 'alertCount')
    .addSelect('totals.events', 'eventCount')
    .addSelect('totals.firstSeenAt', 'firstSeenAt')
    .addSelect('totals.lastSeenAt', 'lastSeenAt')
    .addSelect('entry.id', 'entryId')
    .addSelect('entry.kind', 'entryKind')
    .addSelect('entry.actorType', 'entryActorType')
    .addSelect('entry.actorName', 'entryActorName')
    .addSelect('entry.createdAt', 'entryCreatedAt')
    .addSelect('entry.detail', 'entryDetail')
    .where('incident.id = :incidentId', { incidentId })
    .getRawAndEntities();
  const incident = entities[0];
  if (!incident) return undefined;
  const rows = raw as Array<Record<string, unknown>>;
  const first = rows[0];
  const hydrate = hydrator(db);
  const timeline: TimelineEntry[] = rows
    .filter((row) => row.entryId !== null && row.entryId !== undefined)
    .map((row) => ({
      id: Number(row.entryId),
      kind: row.entryKind as TimelineEntry['kind'],
      actorType: row.entryActorType as TimelineEntry['actorType'],
      actorName: String(row.entryActorName),
      createdAt: hydrate(IncidentEventEntity, 'createdAt', row.entryCreatedAt)!,
      ...membersOf(row.entryDetail),
    }))
    .sort((a, b) => b.id - a.id);
  return {
    incident,
    channelName: (first.channelName as string | null) ?? null,
    acknowledgedByName: (first.acknowledgedByName as string | null) ?? null,
    closedByName: (first.closedByName as string | null) ?? null,
    channelTimeZone: (first.channelTimeZone as string | null) ?? null,
    alertCount: Number(first.alertCount ?? 0),
    eventCount: Number(first.eventCount ?? 0),
    firstSeenAt: hydrate(AlertEntity, 'firstSeenAt', first.firstSeenAt),
    lastSeenAt: hydrate(AlertEntity, 'lastSeenAt', first.lastSeenAt),
    timeline,
  };
}

// Derived tables are filtered by the same parameter as the outer query: they cannot refer to the outer row.
function alertTotals(sub: SelectQueryBuilder<ObjectLiteral>): SelectQueryBuilder<ObjectLiteral> {
  return sub
    .select('COUNT(alert.id)', 'alerts')
    .addSelect('SUM(alert.eventCount)', 'events')
    .addSelect('MIN(alert.firstSeenAt)', 'firstSeenAt')
    .addSelect('MAX(alert.lastSeenAt)', 'lastSeenAt')
    .from(AlertEntity, 'alert')
    .where('alert.incidentId = :incidentId');
}

function recentTimeline(sub: SelectQueryBuilder<ObjectLiteral>): SelectQueryBuilder<ObjectLiteral> {
  return sub
    .select('event.id', 'id')
    .addSelect('event.kind', 'kind')
    .addSelect('event.actorType', 'actorType')
    .addSelect('event.actorName', 'actorName')
    .addSelect('event.createdAt', 'createdAt')
    .addSelect(`CASE WHEN event.kind IN (${KINDS_WITH_MEMBERS.map((kind) => `'${kind}'`).join(', ')}) THEN event.detail ELSE NULL END`, 'detail')
    .from(IncidentEventEntity, 'event')
    .where('event.incidentId = :incidentId')
    .orderBy('event.id', 'DESC')
    .limit(TIMELINE_ENTRIES);
}

function membersOf(detail: unknown): { members?: string } {
  if (typeof detail !== 'string') return {};
  try {
    const members = (JSON.parse(detail) as { members?: unknown } | null)?.members;
    return typeof members === 'string' ? { members } : {};
  } catch {
    return {};
  }
}

/** A date read raw comes back as each driver stores the column; hydrate it as TypeORM does for the entity. */
function hydrator(db: Database) {
  return (entity: typeof AlertEntity | typeof IncidentEventEntity, property: string, value: unknown): Date | undefined => {
    if (value === null || value === undefined) return undefined;
    const column = db.dataSource.getMetadata(entity).findColumnWithPropertyName(property)!;
    return db.dataSource.driver.prepareHydratedValue(value, column) as Date;
  };
}
