import { DEFAULT_SCHEDULER_POLL_MS, type AppConfig } from '../config/config.js';
import type { Database } from '../db/database.js';
import { AgendaEscalationTimers, defineEscalateJob } from '../jobs/escalate.job.js';
import { createAgenda, stopAgenda } from '../jobs/scheduler/create-agenda.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { Redis } from '../lib/redis.js';
import type { EscalationService } from '../services/escalation/escalation.service.js';

export interface Scheduler {
  /** No more sweeps start; resolves once the running one has finished. */
  stopSweeping(): Promise<void>;
  /** Running escalation jobs and the running sweep finish (drain), then the pages they started. */
  drain(): Promise<void>;
}

/** Agenda (on Redis, else on the database) runs the escalation timers; the sweep fires what a lost timer missed. */
export async function initScheduler(
  config: AppConfig,
  db: Database,
  redis: Redis | undefined,
  escalations: EscalationService,
  logger: Logger,
  metrics: Metrics,
): Promise<Scheduler> {
  const agenda = createAgenda({ db, redis, processEvery: config.schedulerPollMs ?? DEFAULT_SCHEDULER_POLL_MS, redisKeyPrefix: config.redisKeyPrefix });
  defineEscalateJob(agenda, escalations);
  agenda.on('error', (error: Error) => {
    metrics.schedulerError();
    logger.error({ err: error }, 'scheduler error');
  });
  await agenda.start();
  escalations.useTimers(new AgendaEscalationTimers(agenda));
  const sweep = startSweeping(escalations, config.escalationSweepSeconds, logger, metrics);
  let sweepStopped: Promise<void> | undefined;
  const stopSweeping = () => (sweepStopped ??= sweep.stop());
  return {
    stopSweeping,
    async drain() {
      const stopped = stopSweeping();
      await stopAgenda(agenda, 15_000);
      await stopped;
      await escalations.idle();
    },
  };
}

/**
 * At start, then every `seconds`: fire escalation steps whose timer was lost (and the rest of the sweep). One sweep
 * at a time; stop() resolves once the running one has finished.
 */
function startSweeping(escalations: EscalationService, seconds: number, logger: Logger, metrics: Metrics): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= escalations
      .sweep()
      .then((fired) => {
        metrics.sweepFinished(true);
        if (fired > 0) logger.info({ fired }, 'escalation sweep fired overdue steps');
      })
      .catch((error: unknown) => {
        metrics.sweepFinished(false);
        logger.error({ err: error }, 'escalation sweep failed');
      })
      .finally(() => (running = undefined));
  };
  run();
  const timer = setInterval(run, seconds * 1000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
