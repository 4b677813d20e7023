import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { withTimeout } from './timeout.js';

/**
 * Every Prometheus metric the service exports, on one registry per service instance (tests run several services in
 * one process; prom-client's global registry would mix them). Label values are ids, names of platforms and error
 * kinds only — never alert text, chat names or anything a sender wrote.
 */

/** What the registry reads when it is scraped (the database and Redis are asked then, not on every event). */
export interface ScrapeSources {
  /** Open incidents by status (closed ones are not counted: that would scan every incident ever). */
  openIncidents(): Promise<Array<{ status: string; count: number }>>;
  /** Incidents with an escalation page not delivered yet (listed for the sweep). */
  incidentsWithUndeliveredPages(): Promise<number>;
  /** Round trips timed at scrape: the database, Redis when configured. */
  dependencies: Array<{ name: string; check: () => Promise<void> }>;
}

/** A card call on an IM: posting a new incident card or updating one in place. */
export type CardOperation = 'post' | 'update';

/** Tally codes of alerts that were not rejected: accepted, and lost to our own failure (the sender gets a 5xx). */
const ACCEPTED = 0;
const FAILED = -1;
/** Alerts whose URL key matches no integration (or whose lookup failed). */
const NO_INTEGRATION = 0;
const DEPENDENCY_TIMEOUT_MS = 2000;

export class Metrics {
  readonly registry = new Registry();
  /**
   * Alerts by integration id and answer code, tallied in plain maps: the ingest hot path does two map look-ups and
   * an addition — no label object, no string — and the counter is filled from the tally when scraped.
   */
  private readonly alertTally = new Map<number, Map<number, number>>();
  private sources?: ScrapeSources;

  private readonly dependencyUp: Gauge<'dependency'>;
  private readonly dependencyRoundTrip: Gauge<'dependency'>;
  private readonly cardCalls: Counter<'platform' | 'operation'>;
  private readonly cardFailures: Counter<'platform' | 'operation' | 'kind'>;
  private readonly callbackSeconds: Histogram<'platform'>;
  private readonly stepsFired: Counter<'trigger'>;
  private readonly stepLateness: Histogram;
  private readonly pageSends: Counter<'destination' | 'outcome' | 'kind'>;
  private readonly pageRetries: Counter;
  private readonly rateLimitHolds: Counter<'platform' | 'scope' | 'pacing'>;
  private readonly pacingSwitches: Counter<'to'>;
  private readonly pacingShared: Gauge;
  private readonly lastSweep: Gauge;
  private readonly sweepFailures: Counter;
  private readonly schedulerErrors: Counter;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    const tally = this.alertTally;
    new Counter({
      name: 'oncall_alerts_received_total',
      help: 'Alerts received, by integration id (0: none known for the URL key — unknown key, or the lookup failed), outcome (accepted, rejected, failed) and the code a rejection answered',
      labelNames: ['integration', 'outcome', 'code'],
      registers,
      collect() {
        this.reset();
        for (const [integration, byCode] of tally) {
          for (const [code, count] of byCode) {
            const outcome = code === ACCEPTED ? 'accepted' : code === FAILED ? 'failed' : 'rejected';
            this.inc({ integration: String(integration), outcome, code: outcome === 'rejected' ? String(code) : '' }, count);
          }
        }
      },
    });

    // A database that does not answer leaves these unknown (oncall_dependency_up says why) rather than failing the scrape.
    const sources = () => this.sources;
    new Gauge({
      name: 'oncall_incidents',
      help: 'Open incidents by status, counted in the database at scrape time',
      labelNames: ['status'],
      registers,
      async collect() {
        this.reset();
        const source = sources();
        const counts = source && (await withTimeout(source.openIncidents(), DEPENDENCY_TIMEOUT_MS).catch(() => undefined));
        for (const { status, count } of counts ?? []) this.set({ status }, count);
      },
    });
    new Gauge({
      name: 'oncall_incidents_with_undelivered_pages',
      help: 'Incidents with an escalation page that has not gone out yet (the sweep sends it again), at scrape time',
      registers,
      async collect() {
        const source = sources();
        const count = source && (await withTimeout(source.incidentsWithUndeliveredPages(), DEPENDENCY_TIMEOUT_MS).catch(() => undefined));
        // NaN when unknown: 0 would say all pages are out.
        this.set(count ?? Number.NaN);
      },
    });
    this.dependencyUp = new Gauge({ name: 'oncall_dependency_up', help: '1 when the dependency answered a ping at scrape time', labelNames: ['dependency'], registers });
    this.dependencyRoundTrip = new Gauge({
      name: 'oncall_dependency_round_trip_seconds',
      help: 'Round trip of a ping to the database or Redis, measured at scrape time (absent when it failed)',
      labelNames: ['dependency'],
      registers,
    });

    this.cardCalls = new Counter({
      name: 'oncall_card_calls_total',
      help: 'Incident card posts and in-place updates sent to an IM, by platform and operation',
      labelNames: ['platform', 'operation'],
      registers,
    });
    this.cardFailures = new Counter({
      name: 'oncall_card_failures_total',
      help: 'Incident card posts and updates that failed, by platform, operation and error kind (PlatformError kind, or unknown)',
      labelNames: ['platform', 'operation', 'kind'],
      registers,
    });
    this.callbackSeconds = new Histogram({
      name: 'oncall_callback_answer_seconds',
      help: 'Time to answer a card button click, from the click reaching the services to the answer (IMs want it within 3 s)',
      labelNames: ['platform'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
      registers,
    });
    this.stepsFired = new Counter({
      name: 'oncall_escalation_steps_fired_total',
      help: 'Escalation steps taken: by their timer or the sweep (schedule), or by someone pressing Escalate (person)',
      labelNames: ['trigger'],
      registers,
    });
    this.stepLateness = new Histogram({
      name: 'oncall_escalation_step_lateness_seconds',
      help: 'How long after its due time a scheduled escalation step was taken',
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.pageSends = new Counter({
      name: 'oncall_page_messages_total',
      help: 'Escalation page messages (a group notice or a direct message), by destination and outcome (delivered / undelivered, with the error kind)',
      labelNames: ['destination', 'outcome', 'kind'],
      registers,
    });
    this.pageRetries = new Counter({
      name: 'oncall_pages_retried_total',
      help: 'Escalation pages the sweep delivered again (their sends failed, or the instance delivering them died)',
      registers,
    });
    this.rateLimitHolds = new Counter({
      name: 'oncall_rate_limit_holds_total',
      help:
        'Calls to an IM held back to stay within its rate limits, by platform, scope (our pacing per chat, message, workspace; retry_after: the platform said slow down; held: a call waited out such a hold) and pacing (shared: on Redis, seen by every instance; local: this process only)',
      labelNames: ['platform', 'scope', 'pacing'],
      registers,
    });
    this.pacingSwitches = new Counter({
      name: 'oncall_pacing_mode_switches_total',
      help: 'Switches of rate-limit pacing between Redis (shared by the instances) and this process (while Redis cannot answer), by the mode switched to',
      labelNames: ['to'],
      registers,
    });
    this.pacingShared = new Gauge({
      name: 'oncall_pacing_shared',
      help: '1 while rate limits are paced on Redis, shared with the other instances; 0 while this instance paces its own calls',
      registers,
    });
    this.lastSweep = new Gauge({
      name: 'oncall_escalation_sweep_last_success_timestamp_seconds',
      help: 'When the escalation sweep last finished without error (Unix time)',
      registers,
    });
    this.sweepFailures = new Counter({ name: 'oncall_escalation_sweep_failures_total', help: 'Escalation sweeps that failed', registers });
    this.schedulerErrors = new Counter({ name: 'oncall_scheduler_errors_total', help: 'Errors reported by the job scheduler (Agenda)', registers });
  }

  /** Where scrape-time gauges read from; set once storage is up. */
  readFrom(sources: ScrapeSources): void {
    this.sources = sources;
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    // Before the registry renders: its metrics are read concurrently, so one gauge's collect() can't feed another.
    await this.pingDependencies();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private async pingDependencies(): Promise<void> {
    const dependencies = this.sources?.dependencies ?? [];
    const results = await Promise.all(
      dependencies.map(async ({ name, check }) => {
        const started = process.hrtime.bigint();
        try {
          await withTimeout(check(), DEPENDENCY_TIMEOUT_MS);
          return { name, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
        } catch {
          return { name, seconds: undefined };
        }
      }),
    );
    this.dependencyUp.reset();
    this.dependencyRoundTrip.reset();
    for (const { name, seconds } of results) {
      this.dependencyUp.set({ dependency: name }, seconds === undefined ? 0 : 1);
      if (seconds !== undefined) this.dependencyRoundTrip.set({ dependency: name }, seconds);
    }
  }

  /** An alert stored. On the ingest hot path, as are the next two: map look-ups and an addition. */
  alertAccepted(integrationId: number): void {
    this.tallyAlert(integrationId, ACCEPTED);
  }

  /** Refused with the source's answer code (a positive number); `integrationId` undefined when no integration has the URL key. */
  alertRejected(integrationId: number | undefined, code: number): void {
    this.tallyAlert(integrationId, code);
  }

  /** Not stored through our own failure. */
  alertFailed(integrationId: number | undefined): void {
    this.tallyAlert(integrationId, FAILED);
  }

  private tallyAlert(integrationId: number | undefined, code: number): void {
    const id = integrationId ?? NO_INTEGRATION;
    let byCode = this.alertTally.get(id);
    if (!byCode) this.alertTally.set(id, (byCode = new Map()));
    byCode.set(code, (byCode.get(code) ?? 0) + 1);
  }

  cardCall(platform: string, operation: CardOperation): void {
    this.cardCalls.inc({ platform, operation });
  }

  cardFailed(platform: string, operation: CardOperation, kind: string): void {
    this.cardFailures.inc({ platform, operation, kind });
  }

  callbackAnswered(platform: string, seconds: number): void {
    this.callbackSeconds.observe({ platform }, seconds);
  }

  /** A step taken on schedule (its timer or the sweep), `latenessSeconds` after it was due; or by a person's Escalate. */
  escalationStepFired(trigger: 'schedule' | 'person', latenessSeconds?: number): void {
    this.stepsFired.inc({ trigger });
    if (latenessSeconds !== undefined) this.stepLateness.observe(Math.max(0, latenessSeconds));
  }

  pageMessageDelivered(destination: string): void {
    this.pageSends.inc({ destination, outcome: 'delivered', kind: '' });
  }

  pageMessageUndelivered(destination: string, kind: string): void {
    this.pageSends.inc({ destination, outcome: 'undelivered', kind });
  }

  pagesRetried(count: number): void {
    if (count > 0) this.pageRetries.inc(count);
  }

  rateLimitHold(platform: string, scope: string, pacing: 'shared' | 'local'): void {
    this.rateLimitHolds.inc({ platform, scope, pacing });
  }

  /** The pacing's mode at start (`switched` false), then each switch between Redis and the process. */
  pacingMode(mode: 'shared' | 'local', switched = true): void {
    if (switched) this.pacingSwitches.inc({ to: mode });
    this.pacingShared.set(mode === 'shared' ? 1 : 0);
  }

  sweepFinished(ok: boolean): void {
    if (ok) this.lastSweep.set(Date.now() / 1000);
    else this.sweepFailures.inc();
  }

  schedulerError(): void {
    this.schedulerErrors.inc();
  }
}
