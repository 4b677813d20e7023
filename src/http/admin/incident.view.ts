import type { Incident } from '../../db/entities/incident.entity.js';
import { escalationView } from '../../services/incidents/incident-view.service.js';

/** An incident as the admin API shows it: the escalation bookkeeping folded into one readable object. */
export function incidentView(incident: Incident) {
  const {
    escalationPolicy: _policy,
    escalationStep: _step,
    escalationDueAt: _due,
    escalationPaged: _paged,
    pagedResponders: _pagedResponders,
    escalationCheckedAt: _checked,
    escalationUndelivered: _undelivered,
    escalationRedeliverAt: _redeliverAt,
    escalationRetries: _retries,
    ...rest
  } = incident;
  return { ...rest, escalation: escalationView(incident) ?? null };
}
