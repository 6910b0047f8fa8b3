/**
 * Runs one job and decides what becomes of it; Node's runDueJobs and the Workers queue consumer
 * both call this and only carry the outcome out (mark done / reschedule / mark failed; ack / retry).
 */
import type { Logger } from '../lib/log.ts';
import { backoffMs, Defer, RetryLater, type GiveUpHandlers, type JobContext, type JobHandlers } from './queue.ts';

export interface RunnableJob {
  /** For the log only (the row id on Node, the message id on Workers). */
  id?: string;
  kind: string | undefined;
  payload: Record<string, unknown>;
  /**
   * Tries before a failing job is given up (Node: the row's `max_attempts`). Absent where the
   * runtime counts them itself (Workers: the consumer's max_retries, then the dead-letter queue).
   */
  maxAttempts?: number;
}

export type JobOutcome =
  | { kind: 'done' }
  | { kind: 'defer'; delayMs: number }
  | { kind: 'retry'; delayMs: number; error: string }
  | { kind: 'failed'; error: string };

const DONE: JobOutcome = { kind: 'done' };

/**
 * A handler that returns means done. One that throws is retried — after `RetryLater.delayMs`, else
 * exponential backoff — until `maxAttempts`, then failed. A kind without a handler fails at once
 * (retrying cannot make a handler appear).
 */
export async function runJob(handlers: JobHandlers, job: RunnableJob, ctx: JobContext, log: Logger): Promise<JobOutcome> {
  // Own properties only: a kind such as "constructor" must not find Object.prototype's.
  const handler = job.kind !== undefined && Object.hasOwn(handlers, job.kind) ? handlers[job.kind] : undefined;
  if (!handler) {
    log.error('job failed: unknown kind', { id: job.id, kind: job.kind });
    return { kind: 'failed', error: `No handler for job kind "${job.kind}"` };
  }
  try {
    await handler(job.payload, ctx);
    return DONE;
  } catch (e) {
    if (e instanceof Defer) return { kind: 'defer', delayMs: Math.max(0, e.delayMs) };
    const error = e instanceof Error ? e.message : String(e);
    if (job.maxAttempts !== undefined && ctx.attempt >= job.maxAttempts) {
      log.error('job failed for good', { id: job.id, kind: job.kind, attempts: ctx.attempt, error });
      return { kind: 'failed', error };
    }
    const delayMs = e instanceof RetryLater ? e.delayMs : backoffMs(ctx.attempt);
    log.warn('job will be retried', { id: job.id, kind: job.kind, attempt: ctx.attempt, inMs: delayMs, error });
    return { kind: 'retry', delayMs, error };
  }
}

/** Runs the give-up handler of a job's kind, if it has one; its own failure is logged, not thrown. */
export async function giveUp(giveUps: GiveUpHandlers | undefined, job: RunnableJob, reason: string, log: Logger): Promise<void> {
  const handler = job.kind !== undefined && giveUps && Object.hasOwn(giveUps, job.kind) ? giveUps[job.kind] : undefined;
  if (!handler) return;
  try {
    await handler(job.payload, reason);
  } catch (e) {
    log.error('job give-up handler failed', { id: job.id, kind: job.kind, error: e instanceof Error ? e.message : String(e) });
  }
}
