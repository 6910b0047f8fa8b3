/** The Node job queue: rows in `jobs`, claimed with FOR UPDATE SKIP LOCKED, so several workers can share it. */
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import type { JobsRepository } from './repository.ts';
import type { GiveUpHandlers, Job, JobHandlers, JobQueue } from './queue.ts';
import { giveUp, runJob } from './runner.ts';

export class DbJobQueue implements JobQueue {
  readonly sameDatabase: { inserted(): void };

  /** `onEnqueue` runs after each enqueue, including jobs other repositories insert themselves (see JobQueue.sameDatabase). */
  constructor(
    private readonly repo: JobsRepository,
    private readonly clock: Clock,
    private readonly onEnqueue?: () => void,
  ) {
    this.sameDatabase = { inserted: () => this.onEnqueue?.() };
  }

  async enqueue(jobs: Job[]): Promise<void> {
    await this.repo.insert(jobs, this.clock.now());
    this.onEnqueue?.();
  }
}

/**
 * How long a claimed job is reserved. Short, because the worker renews it while the job runs (a
 * heartbeat every third of it): a worker that dies — SIGKILL, power, OOM — lets its jobs go within
 * this time, and the next claimer resends them under the same idempotency keys.
 */
export const JOB_LEASE_MS = 30_000;

export interface RunOptions {
  /** Stop claiming new jobs when this returns true (graceful shutdown); the current job finishes. */
  shouldStop?: () => boolean;
  /** Upper bound on jobs run in this call. */
  maxJobs?: number;
  /** The lease (JOB_LEASE_MS); renewed every third of it while the job runs. */
  leaseMs?: number;
}

/**
 * Runs due jobs one after another until none is due. Returns how many ran. What becomes of each
 * (done, rescheduled with backoff, failed at `max_attempts` or for an unknown kind) is runJob's call.
 */
export async function runDueJobs(
  deps: { repo: JobsRepository; clock: Clock; handlers: JobHandlers; giveUps?: GiveUpHandlers; queue: JobQueue; log: Logger },
  opts: RunOptions = {},
): Promise<number> {
  let ran = 0;
  const max = opts.maxJobs ?? Number.POSITIVE_INFINITY;
  // The job just finished is marked done together with the next claim (see claimNext).
  let finished: string | undefined;
  while (ran < max && !opts.shouldStop?.()) {
    const leaseMs = opts.leaseMs ?? JOB_LEASE_MS;
    const job = await deps.repo.claimNext(deps.clock.now(), leaseMs, finished);
    finished = undefined;
    if (!job) break;
    ran++;
    const stopHeartbeat = heartbeat(deps, job.id, job.attempts, leaseMs);
    let outcome: Awaited<ReturnType<typeof runJob>>;
    try {
      outcome = await runJob(
        deps.handlers,
        { id: job.id, kind: job.kind, payload: job.payload, maxAttempts: job.max_attempts },
        { attempt: job.attempts, queue: deps.queue },
        deps.log,
      );
    } finally {
      await stopHeartbeat();
    }
    if (outcome.kind === 'done') finished = job.id;
    else if (outcome.kind === 'defer') await deps.repo.defer(job.id, new Date(deps.clock.now().getTime() + outcome.delayMs));
    else if (outcome.kind === 'failed') {
      await deps.repo.markFailed(job.id, deps.clock.now(), outcome.error);
      await giveUp(deps.giveUps, { id: job.id, kind: job.kind, payload: job.payload }, outcome.error, deps.log);
    } else await deps.repo.reschedule(job.id, new Date(deps.clock.now().getTime() + outcome.delayMs), outcome.error);
  }
  if (finished) await deps.repo.markDone(finished, deps.clock.now());
  return ran;
}

/** Renews a running job's lease every third of it; the returned function stops and waits for a renewal in flight. */
function heartbeat(deps: { repo: JobsRepository; clock: Clock; log: Logger }, id: string, attempt: number, leaseMs: number): () => Promise<void> {
  let inFlight: Promise<unknown> = Promise.resolve();
  const timer = setInterval(
    () => {
      inFlight = deps.repo
        .renewLease(id, attempt, new Date(deps.clock.now().getTime() + leaseMs))
        .then((ours) => {
          if (!ours) deps.log.warn('job lease lost: another worker may run this job again', { id });
        })
        .catch((e: unknown) => deps.log.warn('job lease not renewed', { id, error: e instanceof Error ? e.message : String(e) }));
    },
    Math.max(1, Math.floor(leaseMs / 3)),
  );
  (timer as { unref?: () => void }).unref?.();
  return async () => {
    clearInterval(timer);
    await inFlight;
  };
}
