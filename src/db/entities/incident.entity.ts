import { EntitySchema } from 'typeorm';
import type { IncidentStatus, Severity } from '../../domain/incident-status.js';
import type { MessageFormat } from '../../domain/integration-settings.js';
import type { EscalationPolicy } from '../../domain/escalation-policy.js';
import type { ReachState } from '../../domain/page-reach.js';
import { createdAtColumn, idColumn, nullableTimestampColumn, updatedAtColumn } from './columns.js';

/** A page some of whose sends failed and are to be sent again: how often it has been tried, and the sends still to go. */
export interface PageRetry {
  attempts: number;
  /** The sends still to go, by their target key (see EscalationNotifier). */
  targets: string[];
}

export interface Incident {
  id: number;
  channelId: number;
  title: string;
  description: string;
  descriptionFormat: MessageFormat;
  severity: Severity;
  status: IncidentStatus;
  alertCount: number;
  acknowledgedAt: Date | null;
  acknowledgedBy: number | null;
  closedAt: Date | null;
  closedBy: number | null;
  /** The escalation rule as it was when the incident triggered; null when none applied. */
  escalationPolicy: EscalationPolicy | null;
  /** How many escalation steps have been paged; the next step to page has this index. */
  escalationStep: number;
  /** When the next step is due; null when nothing is pending. */
  escalationDueAt: Date | null;
  /** Who the last paged level reached, for the card. */
  escalationPaged: string[] | null;
  /** Everyone paged for this incident so far (every level, every run), in order of first page: the card's responders. */
  pagedResponders: string[] | null;
  /**
   * Of the paged responders, whether a page reached them (see PageReach): absent while their page is still going out,
   * and for incidents paged before this was kept.
   */
  pagedReach: Record<string, ReachState> | null;
  /** When the rules were looked at: the start of the current escalation run (a reopen starts a new one). */
  escalationCheckedAt: Date | null;
  /** Steps taken whose page is not known to be delivered yet (normally none, or the one being delivered). */
  escalationUndelivered: number[] | null;
  /** When the sweep delivers `escalationUndelivered` again, unless their delivery finishes first. */
  escalationRedeliverAt: Date | null;
  /** Of the undelivered steps (by step number), those whose page failed in part: tried again only for what failed. */
  escalationRetries: Record<string, PageRetry> | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Escalation fields of an incident whose rules have not been looked at yet. */
export const NOT_YET_ESCALATED = {
  escalationPolicy: null,
  escalationStep: 0,
  escalationDueAt: null,
  escalationPaged: null,
  pagedResponders: null,
  pagedReach: null,
  escalationCheckedAt: null,
  escalationUndelivered: null,
  escalationRedeliverAt: null,
  escalationRetries: null,
} as const satisfies Partial<Incident>;

export const IncidentEntity = new EntitySchema<Incident>({
  name: 'Incident',
  tableName: 'incidents',
  columns: {
    id: idColumn,
    channelId: { type: 'int', name: 'channel_id' },
    title: { type: 'varchar', length: 512 },
    description: { type: 'text' },
    descriptionFormat: { type: 'varchar', length: 16, name: 'description_format' },
    severity: { type: 'varchar', length: 16 },
    status: { type: 'varchar', length: 16 },
    alertCount: { type: 'int', name: 'alert_count' },
    acknowledgedAt: { ...nullableTimestampColumn, name: 'acknowledged_at' },
    acknowledgedBy: { type: 'int', nullable: true, name: 'acknowledged_by' },
    closedAt: { ...nullableTimestampColumn, name: 'closed_at' },
    closedBy: { type: 'int', nullable: true, name: 'closed_by' },
    escalationPolicy: { type: 'simple-json', nullable: true, name: 'escalation_policy' },
    // The column's default (0) lives in the migration only: declared here, it makes TypeORM re-select every inserted
    // incident on MariaDB (no RETURNING) to learn a value we always write (NOT_YET_ESCALATED).
    escalationStep: { type: 'int', name: 'escalation_step' },
    escalationDueAt: { ...nullableTimestampColumn, name: 'escalation_due_at' },
    escalationPaged: { type: 'simple-json', nullable: true, name: 'escalation_paged' },
    pagedResponders: { type: 'simple-json', nullable: true, name: 'paged_responders' },
    pagedReach: { type: 'simple-json', nullable: true, name: 'paged_reach' },
    escalationCheckedAt: { ...nullableTimestampColumn, name: 'escalation_checked_at' },
    escalationUndelivered: { type: 'simple-json', nullable: true, name: 'escalation_undelivered' },
    escalationRedeliverAt: { ...nullableTimestampColumn, name: 'escalation_redeliver_at' },
    escalationRetries: { type: 'simple-json', nullable: true, name: 'escalation_retries' },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});
