import type Router from '@koa/router';
import type { z } from 'zod';
import type { Integration } from '../db/entities/integration.entity.js';
import type { AlertIngestService } from '../services/incidents/alert-ingest.service.js';
import type { IntegrationService } from '../services/catalog/integration.service.js';
import type { Metrics } from '../lib/metrics.js';
import type { Severity } from '../domain/incident-status.js';
import type { InboundMessage } from '../domain/integration-settings.js';
import type { IntegrationHealthService } from '../services/catalog/integration-health.service.js';
import type { Logger } from '../lib/logger.js';

/** What a source needs to turn what it receives into alerts. */
export interface SourceDeps {
  integrations: IntegrationService;
  ingest: AlertIngestService;
  /** Counts every alert's outcome: a counter increment, nothing awaited. */
  metrics: Pick<Metrics, 'alertAccepted' | 'alertRejected' | 'alertFailed'>;
  /** Where a polled source records its checks, receipts and errors (and the thresholds act on them). */
  health: IntegrationHealthService;
  /** Counts a failed check against the thresholds (admins told at N, integration disabled at M); false once disabled. */
  incomingErrors: { checkFailed(integration: Integration, message: string): Promise<boolean> };
  logger: Logger;
}

/** A test payload read as the receiver reads a real one: the message, or the error the sender would be answered. */
export type TestPayloadReading =
  | { ok: true; message: InboundMessage; severity: Severity }
  | { ok: false; error: { code: number | string; msg: string } };

/** How alerts of a type arrive: pushed to an HTTP route of the public router, or fetched by a poller. */
export type SourceReceiver =
  | {
      kind: 'http';
      /** Public paths, as documented to admins (`{key}` is the integration's key). */
      paths: string[];
      mount(router: Router, deps: SourceDeps): void;
    }
  | {
      kind: 'poll';
      /** Starts fetching for every integration of the type (following their changes); resolves to how to stop. */
      start(deps: SourceDeps): Promise<{ stop(): Promise<void> }>;
    };

/**
 * One kind of alert source (an integration `type`). Everything a type knows lives in its module under
 * `src/ingest/<type>/`; the rest of the service sees only this.
 */
export interface SourceType {
  /** The integration's `type` value. */
  name: string;
  label: string;
  description: string;
  /**
   * The type's own settings, stored in the integration's `settings`. Plain fields only: their descriptions are read
   * from this schema for the OpenAPI document and GET /integration-types. Mark secrets `.meta({ writeOnly: true })`:
   * they are accepted, never shown (the API says `has<Field>` instead).
   */
  settings: z.ZodObject;
  /** Rules across the type's settings (what is required once something is set): each problem is a 400 on its field. */
  check?(settings: Record<string, unknown>): Array<{ field: string; message: string }>;
  /** The type keeps health fields (checks, mail in and out, consecutive errors): its view shows them. */
  reportsHealth?: boolean;
  /** Boolean settings only one integration of the type may have on (saving one on turns it off on the others). */
  exclusiveSettings?: string[];
  receiver: SourceReceiver;
  /** How the admin API shows where alerts go: a field (`url`, `address`) and its value for one integration. */
  address: {
    field: string;
    /** A short name for it, as a label ("Webhook URL", "Mailbox"). */
    label: string;
    description: string;
    of(integration: Integration, publicBaseUrl: string): string | null;
  };
  /** Reads a body as the receiver would, storing nothing (the admin API's test payload); absent: not offered. */
  readTestPayload?(integration: Integration, raw: string): TestPayloadReading;
}
