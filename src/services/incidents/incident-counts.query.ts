import { IsNull, Not } from 'typeorm';
import { IncidentEntity } from '../../db/entities/incident.entity.js';
import type { Database } from '../../db/database.js';
import type { IncidentStatus } from '../../domain/incident-status.js';

/** Open statuses only: counting closed incidents would read every incident ever; each count here is an index range. */
const OPEN_STATUSES: IncidentStatus[] = ['triggered', 'acknowledged'];

export async function countOpenIncidents(db: Database): Promise<Array<{ status: IncidentStatus; count: number }>> {
  return Promise.all(OPEN_STATUSES.map(async (status) => ({ status, count: await db.manager.countBy(IncidentEntity, { status }) })));
}

/** Incidents with a page listed for the sweep (ix_incidents_escalation_redeliver holds exactly those rows). */
export function countIncidentsWithUndeliveredPages(db: Database): Promise<number> {
  return db.manager.countBy(IncidentEntity, { escalationRedeliverAt: Not(IsNull()) });
}
