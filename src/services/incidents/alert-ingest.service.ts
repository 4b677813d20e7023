import type { EntityManager } from 'typeorm';
import { AlertEntity, type Alert } from '../../db/entities/alert.entity.js';
import { IncidentEntity, NOT_YET_ESCALATED } from '../../db/entities/incident.entity.js';
import { IntegrationEntity, type Integration } from '../../db/entities/integration.entity.js';
import { Database, isUniqueViolation } from '../../db/database.js';
import { isDuplicateReceipt, recordReceipts } from '../../db/receipts.js';
import type { Severity } from '../../domain/incident-status.js';
import type { InboundMessage } from '../../domain/integration-settings.js';
import { decidePush, matchingPushRule, type PushDecision } from '../../domain/push-modes.js';
import { routeMessage } from '../../domain/routing.js';
import { newOpaqueId, sha256Hex } from '../../lib/ids.js';
import type { Actor } from '../../domain/actor.js';
import { closeIncidentIfQuiet } from './incident-closing.js';
import type { IncidentChange, IncidentChangeFeed } from './incident-change-feed.js';
import { appendTimeline } from './timeline.js';
import { insertNewIncidents, NewIncidentWriter, type NewIncidentRecord } from './new-incident.writer.js';

export interface InboundAlert {
  integration: Integration;
  message: InboundMessage;
  severity: Severity;
  /** The request body as received, kept on the alert for later inspection. */
  rawPayload: string;
  /**
   * Names what the alert is made from when it may be received again (an email read again after a restart): stored
   * in the alert's transaction, so a second receipt is answered `duplicate` and changes nothing.
   */
  receiptKey?: string;
}

/** What a message would do, found by the same decisions as ingest() and without writing anything. */
export interface IngestPreview {
  action: 'trigger' | 'update' | 'close' | 'discard';
  title: string;
  description: string;
  /** Null when each message gets a fresh key (always-new mode) or the message is discarded. */
  alertKey: string | null;
  /** The push rule that matched (by_rules mode). */
  ruleIndex: number | null;
  /** Where it would go; null when discarded or when a close finds no open alert. */
  channelId: number | null;
  /** Why nothing would be stored or changed, when that is the case. */
  note?: string;
}

export type IngestOutcome =
  | { outcome: 'triggered' | 'updated'; incidentId: number; alertId: number }
  | { outcome: 'resolved'; incidentId: number; alertId: number; incidentClosed: boolean }
  | { outcome: 'ignored' | 'discarded' | 'duplicate'; reason: string };

const DUPLICATE: IngestOutcome = { outcome: 'duplicate', reason: 'already received' };

const OPEN_KEY_INDEX = { name: 'uq_alerts_open_key', columns: 'alerts.integration_id, alerts.open_key_hash' };
const TITLE_LIMIT = 512;
/**
 * Descriptions live in TEXT columns (65,535 bytes on MariaDB). A body is at most 20 KB, but flattening can grow it
 * (a template card's variables are pretty-printed), so cap it: 21,000 UTF-16 units are at most 63,000 UTF-8 bytes.
 */
const DESCRIPTION_LIMIT = 21_000;

/** The first `limit` UTF-16 units, without leaving half of a surrogate pair (an emoji) at the end. */
function cut(text: string, limit: number): string {
  const head = text.slice(0, limit);
  return /[\uD800-\uDBFF]$/.test(head) ? head.slice(0, -1) : head;
}

/** Turns one inbound message into alert and incident changes, committed before the caller answers. */
export class AlertIngestService {
  private readonly newIncidents: NewIncidentWriter;

  constructor(
    private readonly db: Database,
    private readonly changes: IncidentChangeFeed,
  ) {
    // SQLite has a single writer, so more than one transaction in flight would only queue on its lock.
    this.newIncidents = new NewIncidentWriter(db, db.isMysql ? 4 : 1);
  }

  async ingest(inbound: InboundAlert): Promise<IngestOutcome> {
    try {
      return await this.ingestOnce(inbound);
    } catch (error) {
      if (inbound.receiptKey !== undefined && isDuplicateReceipt(error)) return DUPLICATE;
      throw error;
    }
  }

  private async ingestOnce(inbound: InboundAlert): Promise<IngestOutcome> {
    const message = storedMessage(inbound.message);
    const decision = decidePush(inbound.integration, message, newOpaqueId);
    if (decision.action === 'discard') return { outcome: 'discarded', reason: decision.reason };

    if (decision.action === 'trigger' && decision.dedupeKey === null) return this.triggerNew({ ...inbound, message }, decision);

    const published: IncidentChange[] = [];
    const outcome = await this.db.transaction(
      async (tx) => {
        published.length = 0;
        // MariaDB: `SELECT … FOR UPDATE` on a key with no open alert takes gap locks that concurrent first messages
        // then deadlock on when they insert. Queueing keyed messages on the integration row avoids that.
        if (this.db.isMysql && decision.dedupeKey !== null) await this.lockIntegration(tx, inbound.integration.id);
        if (inbound.receiptKey !== undefined) await recordReceipts(tx, [inbound.receiptKey]);
        return decision.action === 'close'
          ? this.resolve(tx, inbound.integration, decision, published)
          : this.trigger(tx, { ...inbound, message }, decision, published);
      },
      // Two first messages for one key raced: the loser retries and finds the winner's alert.
      { retryWhen: (error) => isUniqueViolation(error, OPEN_KEY_INDEX) },
    );
    for (const change of published) this.changes.publish(change);
    return outcome;
  }

  async preview(integration: Integration, inbound: InboundMessage): Promise<IngestPreview> {
    const message = storedMessage(inbound);
    const decision = decidePush(integration, message, newOpaqueId);
    const shown = { title: message.title, description: message.content };
    if (decision.action === 'discard') return { ...shown, action: 'discard', alertKey: null, ruleIndex: null, channelId: null, note: decision.reason };
    const matched = integration.pushMode === 'by_rules' ? matchingPushRule(integration.pushRules ?? [], message) : -1;
    const ruleIndex = matched >= 0 ? matched : null;
    const open = decision.dedupeKey === null ? null : await this.db.manager.findOneBy(AlertEntity, { integrationId: integration.id, openKeyHash: sha256Hex(decision.dedupeKey) });
    const openChannelId = open ? (await this.db.manager.findOneBy(IncidentEntity, { id: open.incidentId }))?.channelId ?? null : null;
    const alertKey = decision.dedupeKey === null ? null : cut(decision.alertKey, 512);
    if (decision.action === 'close') {
      return open
        ? { ...shown, action: 'close', alertKey, ruleIndex, channelId: openChannelId }
        : { ...shown, action: 'close', alertKey, ruleIndex, channelId: null, note: 'no open alert has this key: nothing would change' };
    }
    if (open) return { ...shown, action: 'update', alertKey, ruleIndex, channelId: openChannelId };
    return { ...shown, action: 'trigger', alertKey, ruleIndex, channelId: channelFor(integration, message), ...(alertKey === null ? { note: 'always new: every message opens its own alert' } : {}) };
  }

  /** "Always new" needs no lookup, so it goes through the batching writer. */
  private async triggerNew(inbound: InboundAlert, decision: Extract<PushDecision, { action: 'trigger' }>): Promise<IngestOutcome> {
    const record = newIncidentRecord(inbound, decision, new Date());
    const { incidentId, alertId } = await this.newIncidents.write(record);
    this.changes.publish({ incidentId, channelId: record.incident.channelId, kind: 'triggered' });
    return { outcome: 'triggered', incidentId, alertId };
  }

  private async lockIntegration(tx: EntityManager, integrationId: number): Promise<void> {
    await tx.getRepository(IntegrationEntity).findOne({ where: { id: integrationId }, select: { id: true }, lock: { mode: 'pessimistic_write' } });
  }

  private async findOpenAlert(tx: EntityManager, integrationId: number, dedupeKey: string): Promise<Alert | null> {
    return tx.getRepository(AlertEntity).findOne({
      where: { integrationId, openKeyHash: sha256Hex(dedupeKey) },
      lock: this.db.isMysql ? { mode: 'pessimistic_write' } : undefined,
    });
  }

  private async trigger(
    tx: EntityManager,
    inbound: InboundAlert,
    decision: Extract<PushDecision, { action: 'trigger' }>,
    published: IncidentChange[],
  ): Promise<IngestOutcome> {
    const { integration, message } = inbound;
    const now = new Date();
    if (decision.dedupeKey !== null) {
      const open = await this.findOpenAlert(tx, integration.id, decision.dedupeKey);
      if (open) {
        await tx.update(AlertEntity, open.id, {
          eventCount: open.eventCount + 1,
          lastSeenAt: now,
          title: message.title,
          description: message.content,
          rawPayload: inbound.rawPayload,
          links: linksOf(message),
        });
        await tx.update(IncidentEntity, open.incidentId, { updatedAt: now });
        const channelId = (await tx.findOneByOrFail(IncidentEntity, { id: open.incidentId })).channelId;
        published.push({ incidentId: open.incidentId, channelId, kind: 'alert_updated' });
        return { outcome: 'updated', incidentId: open.incidentId, alertId: open.id };
      }
    }

    // Its receipt is already written, at the start of this transaction.
    const record = { ...newIncidentRecord(inbound, decision, now), receiptKey: undefined };
    const [{ incidentId, alertId }] = await insertNewIncidents(tx, [record]);
    published.push({ incidentId, channelId: record.incident.channelId, kind: 'triggered' });
    return { outcome: 'triggered', incidentId, alertId };
  }

  private async resolve(
    tx: EntityManager,
    integration: Integration,
    decision: Extract<PushDecision, { action: 'close' }>,
    published: IncidentChange[],
  ): Promise<IngestOutcome> {
    const open = await this.findOpenAlert(tx, integration.id, decision.dedupeKey);
    if (!open) return { outcome: 'ignored', reason: 'no open alert has this key' };
    const now = new Date();
    await tx.update(AlertEntity, open.id, { status: 'resolved', openKeyHash: null, resolvedAt: now, lastSeenAt: now });
    const actor = integrationActor(integration);
    await appendTimeline(tx, open.incidentId, 'alert_resolved', actor, now, { alertId: open.id, alertKey: open.alertKey });
    const closed = await closeIncidentIfQuiet(tx, open.incidentId, actor, now, this.db.isMysql);
    const channelId = (await tx.findOneByOrFail(IncidentEntity, { id: open.incidentId })).channelId;
    published.push({ incidentId: open.incidentId, channelId, kind: closed ? 'closed' : 'alert_resolved' });
    return { outcome: 'resolved', incidentId: open.incidentId, alertId: open.id, incidentClosed: closed };
  }
}

function channelFor(integration: Integration, message: InboundMessage): number {
  return integration.kind === 'dedicated'
    ? integration.channelId!
    : routeMessage(integration.routes ?? [], integration.defaultChannelId!, message);
}

function newIncidentRecord(inbound: InboundAlert, decision: Extract<PushDecision, { action: 'trigger' }>, now: Date): NewIncidentRecord {
  const { integration, message } = inbound;
  return {
    incident: {
      channelId: channelFor(integration, message),
      title: message.title,
      description: message.content,
      descriptionFormat: integration.messageFormat,
      severity: inbound.severity,
      status: 'triggered',
      alertCount: 1,
      acknowledgedAt: null,
      acknowledgedBy: null,
      closedAt: null,
      closedBy: null,
      ...NOT_YET_ESCALATED,
      createdAt: now,
      updatedAt: now,
    },
    receiptKey: inbound.receiptKey,
    alert: {
      integrationId: integration.id,
      alertKey: cut(decision.alertKey, 512),
      openKeyHash: decision.dedupeKey === null ? null : sha256Hex(decision.dedupeKey),
      title: message.title,
      description: message.content,
      descriptionFormat: integration.messageFormat,
      severity: inbound.severity,
      status: 'firing',
      eventCount: 1,
      firstSeenAt: now,
      lastSeenAt: now,
      resolvedAt: null,
      rawPayload: inbound.rawPayload,
      links: linksOf(message),
    },
    actor: integrationActor(integration),
  };
}

/** The message as it is stored: title and description cut to their columns. */
function storedMessage(message: InboundMessage): InboundMessage {
  return { title: cut(message.title, TITLE_LIMIT), content: cut(message.content, DESCRIPTION_LIMIT), links: message.links };
}

const linksOf = (message: InboundMessage) => (message.links?.length ? message.links : null);

function integrationActor(integration: Integration): Actor {
  return { type: 'integration', id: integration.id, name: integration.name };
}
