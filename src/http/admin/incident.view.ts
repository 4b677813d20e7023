import type { Incident } from '../../db/entities/incident.entity.js';
import { escalationView } from '../../services/incidents/incident-view.service.js';

/**
 * An incident as the admin API shows it: the escalation bookkeeping folded into one readable object, and everyone
 * paged with whether a page reached them.
 */
export function incidentView(incident: Incident) {
  const {
    escalationPolicy: _policy,
    escalationStep: _step,
    escalationDueAt: _due,
    escalationPaged: _paged,
    pagedResponders,
    pagedReach,
    escalationCheckedAt: _checked,
    escalationUndelivered: _undelivered,
    escalationRedeliverAt: _redeliverAt,
    escalationRetries: _retries,
    ...rest
  } = incident;
  return {
    ...rest,
    escalation: escalationView(incident) ?? null,
    pagedResponders: (pagedResponders ?? []).map((name) => ({ name, reach: pagedReach?.[name] ?? 'unknown' })),
  };
}
