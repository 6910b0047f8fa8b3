/** The Node job queue: rows in `jobs`, claimed with FOR UPDATE SKIP LOCKED, so several workers can share it. */
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import type { JobsRepository } from './repository.ts';
import type { Job, JobHandlers, JobQueue } from './queue.ts';
import { runJob } from './runner.ts';

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

export interface RunOptions {
  /** Stop claiming new jobs when this returns true (graceful shutdown); the current job finishes. */
  shouldStop?: () => boolean;
  /** Upper bound on jobs run in this call. */
  maxJobs?: number;
  leaseMs?: number;
}

/**
 * Runs due jobs one after another until none is due. Returns how many ran. What becomes of each
 * (done, rescheduled with backoff, failed at `max_attempts` or for an unknown kind) is runJob's call.
 */
export async function runDueJobs(
  deps: { repo: JobsRepository; clock: Clock; handlers: JobHandlers; queue: JobQueue; log: Logger },
  opts: RunOptions = {},
): Promise<number> {
  let ran = 0;
  const max = opts.maxJobs ?? Number.POSITIVE_INFINITY;
  // The job just finished is marked done together with the next claim (see claimNext).
  let finished: string | undefined;
  while (ran < max && !opts.shouldStop?.()) {
    const job = await deps.repo.claimNext(deps.clock.now(), opts.leaseMs ?? 5 * 60_000, finished);
    finished = undefined;
    if (!job) break;
    ran++;
    const outcome = await runJob(
      deps.handlers,
      { id: job.id, kind: job.kind, payload: job.payload, maxAttempts: job.max_attempts },
      { attempt: job.attempts, queue: deps.queue },
      deps.log,
    );
    if (outcome.kind === 'done') finished = job.id;
    else if (outcome.kind === 'failed') await deps.repo.markFailed(job.id, deps.clock.now(), outcome.error);
    else await deps.repo.reschedule(job.id, new Date(deps.clock.now().getTime() + outcome.delayMs), outcome.error);
  }
  if (finished) await deps.repo.markDone(finished, deps.clock.now());
  return ran;
}
