import type { Agenda } from 'agenda';
import { DEFAULT_SCHEDULER_POLL_MS, type AppConfig } from '../config/config.js';
import type { Database } from '../db/database.js';
import { AgendaEscalationTimers, defineEscalateJob } from '../jobs/escalate.job.js';
import { InProcessEscalationTimers } from '../jobs/in-process-timers.js';
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

/** How long a stop waits for a scheduler that was taking over when the stop came. */
const TAKEOVER_STOP_WAIT_MS = 5000;

/**
 * Agenda (on Redis, else on the database) runs the escalation timers; the sweep fires what a lost timer missed. A
 * Redis that did not answer at start leaves the timers in this process until it does; then Agenda on Redis takes
 * over, with the wakes still pending.
 */
export async function initScheduler(
  config: AppConfig,
  db: Database,
  redis: Redis | undefined,
  escalations: EscalationService,
  logger: Logger,
  metrics: Metrics,
): Promise<Scheduler> {
  const startAgenda = async (): Promise<Agenda> => {
    const agenda = createAgenda({ db, redis, processEvery: config.schedulerPollMs ?? DEFAULT_SCHEDULER_POLL_MS, redisKeyPrefix: config.redisKeyPrefix });
    defineEscalateJob(agenda, escalations);
    agenda.on('error', (error: Error) => {
      metrics.schedulerError();
      logger.error({ err: error }, 'scheduler error');
    });
    try {
      await agenda.start();
    } catch (error) {
      // Redis went away during the start: the half-connected notification channel must not reconnect on its own.
      await agenda.stop().catch(() => undefined);
      await (agenda as unknown as { notificationChannel?: { disconnect(): Promise<void> } }).notificationChannel?.disconnect().catch(() => undefined);
      throw error;
    }
    return agenda;
  };
  const timers = redis && redis.status !== 'ready' ? timersUntilRedisAnswers(redis, startAgenda, escalations, logger) : fixedTimers(await startAgenda(), escalations);
  const sweep = startSweeping(escalations, config.escalationSweepSeconds, logger, metrics);
  let sweepStopped: Promise<void> | undefined;
  const stopSweeping = () => (sweepStopped ??= sweep.stop());
  return {
    stopSweeping,
    async drain() {
      const stopped = stopSweeping();
      await timers.stop();
      await stopped;
      await escalations.idle();
    },
  };
}

interface RunningTimers {
  stop(): Promise<void>;
}

function fixedTimers(agenda: Agenda, escalations: EscalationService): RunningTimers {
  escalations.useTimers(new AgendaEscalationTimers(agenda));
  return { stop: async () => void (await stopAgenda(agenda, 15_000)) };
}

/** In-process timers now; Agenda on Redis once Redis answers (tried again at each reconnect until it starts). */
function timersUntilRedisAnswers(redis: Redis, startAgenda: () => Promise<Agenda>, escalations: EscalationService, logger: Logger): RunningTimers {
  const local = new InProcessEscalationTimers(
    (dueBy) => escalations.fireDue(dueBy),
    (error) => logger.error({ err: error }, 'escalation timer failed; the sweep will fire its steps'),
  );
  escalations.useTimers(local);
  let agenda: Agenda | undefined;
  let stopping = false;
  let takingOver: Promise<void> | undefined;
  const takeOver = () => {
    takingOver ??= (async () => {
      try {
        const started = await startAgenda();
        if (stopping) return void (await stopAgenda(started, 15_000));
        agenda = started;
        redis.off('ready', takeOver);
        const timers = new AgendaEscalationTimers(started);
        escalations.useTimers(timers);
        const pending = local.handOver();
        // A wake Redis could not take after all stays in this process.
        await Promise.all(pending.map((dueAt) => timers.wakeAt(dueAt).catch(() => local.wakeAt(dueAt))));
        logger.info({ handedOver: pending.length }, 'Redis answers: escalation timers moved to the scheduler on Redis');
      } catch (error) {
        logger.warn({ err: error }, 'scheduler on Redis not started; escalation timers stay in this process until Redis reconnects');
      } finally {
        takingOver = undefined;
      }
    })();
  };
  redis.on('ready', takeOver);
  return {
    async stop() {
      stopping = true;
      redis.off('ready', takeOver);
      if (takingOver) await Promise.race([takingOver, new Promise((resolve) => setTimeout(resolve, TAKEOVER_STOP_WAIT_MS).unref())]);
      if (agenda) await stopAgenda(agenda, 15_000);
      await local.close();
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
