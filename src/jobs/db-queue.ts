/** The Node job queue: rows in `jobs`, claimed with FOR UPDATE SKIP LOCKED, so several workers can share it. */
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import type { JobsRepository } from './repository.ts';
import { backoffMs, RetryLater, type Job, type JobHandlers, type JobQueue } from './queue.ts';

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
 * Runs due jobs one after another until none is due. Returns how many ran.
 * A handler error reschedules with backoff until `max_attempts`, then marks the job failed.
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
    const now = deps.clock.now();
    const job = await deps.repo.claimNext(now, opts.leaseMs ?? 5 * 60_000, finished);
    finished = undefined;
    if (!job) break;
    ran++;
    const handler = deps.handlers[job.kind];
    if (!handler) {
      await deps.repo.markFailed(job.id, now, `No handler for job kind "${job.kind}"`);
      deps.log.error('job failed: unknown kind', { id: job.id, kind: job.kind });
      continue;
    }
    try {
      await handler(job.payload, { attempt: job.attempts, queue: deps.queue });
      finished = job.id;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const later = deps.clock.now();
      if (job.attempts >= job.max_attempts) {
        await deps.repo.markFailed(job.id, later, message);
        deps.log.error('job failed for good', { id: job.id, kind: job.kind, attempts: job.attempts, error: message });
      } else {
        const delay = e instanceof RetryLater ? e.delayMs : backoffMs(job.attempts);
        await deps.repo.reschedule(job.id, new Date(later.getTime() + delay), message);
        deps.log.warn('job will be retried', { id: job.id, kind: job.kind, attempt: job.attempts, inMs: delay, error: message });
      }
    }
  }
  if (finished) await deps.repo.markDone(finished, deps.clock.now());
  return ran;
}
