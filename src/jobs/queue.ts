/**
 * The job seam. On Node jobs live in the `jobs` table and are claimed with FOR UPDATE SKIP LOCKED;
 * on Workers they travel through a Cloudflare Queue. Handlers are the same on both and idempotent:
 * a job may run more than once (a crash after the work, before the acknowledgement).
 */
export interface Job {
  kind: string;
  payload: Record<string, unknown>;
  /** At most one pending job per key (Node; on Workers handlers must tolerate duplicates). */
  dedupeKey?: string;
  /** Not before this time. */
  runAt?: Date;
  /**
   * Attempts this job already used before it was deferred (Workers: a deferred job travels as a
   * new message, whose own delivery count starts again; Node keeps the count on the row).
   */
  priorAttempts?: number;
}

export interface JobQueue {
  enqueue(jobs: Job[]): Promise<void>;
  /**
   * Present when jobs are rows of the `jobs` table in the application's own database (Node). A
   * repository statement may then insert a job together with the change it follows (one commit
   * for both: no change without its job, no job without its change); its caller then calls
   * `inserted()`, which does what `enqueue` does besides the insert (e.g. wake the worker loop).
   */
  readonly sameDatabase?: { inserted(): void };
}

export interface JobContext {
  /** How many times this job has been tried, this one included. */
  attempt: number;
  /** Ask for the job to run again later without counting as a failure (e.g. paced by a rate limit). */
  queue: JobQueue;
}

export type JobHandler = (payload: Record<string, unknown>, ctx: JobContext) => Promise<void>;
export type JobHandlers = Record<string, JobHandler>;

/**
 * What to do when a job of a kind is given up for good (Node: failed at its max attempts; Workers:
 * the message reached the dead-letter queue): record the failure where people see it, so nothing
 * waits forever on a job that will never run (a send batch: its recipients become failed with the
 * reason, the issue finishes, the admin can retry them).
 */
export type GiveUpHandler = (payload: Record<string, unknown>, reason: string) => Promise<void>;
export type GiveUpHandlers = Record<string, GiveUpHandler>;

/**
 * Thrown by a handler that cannot start yet (waiting for a provider rate slot): it runs again
 * after `delayMs`, and the wait is not an attempt — a busy provider never exhausts a job's tries.
 */
export class Defer extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'Defer';
  }
}

/** Thrown by a handler to be tried again after `delayMs` (counts as an attempt). */
export class RetryLater extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'RetryLater';
  }
}

/** Exponential backoff with full jitter, capped. */
export function backoffMs(attempt: number, baseMs = 1_000, capMs = 5 * 60_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}
