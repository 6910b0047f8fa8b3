/**
 * Node's job worker: runs due jobs as soon as they are enqueued (woken in-process) or every
 * few seconds (jobs due later, jobs enqueued by another process), JOB_CONCURRENCY at a time.
 * Stops between jobs.
 */
import { runDueJobs } from '../jobs/db-queue.ts';
import type { Services } from '../services.ts';

export class JobWorkerLoop {
  private stopping = false;
  private wakeUp: (() => void) | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly services: Services,
    private readonly pollMs = 2_000,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  wake(): void {
    this.wakeUp?.();
  }

  /** Finishes the job in hand, then resolves. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running;
  }

  private async loop(): Promise<void> {
    const s = this.services;
    while (!this.stopping) {
      try {
        // JOB_CONCURRENCY loops claim jobs side by side (SKIP LOCKED): while one send batch waits
        // for the provider, another builds its request or writes its ledger rows.
        const deps = { repo: s.repos.jobs, clock: s.clock, handlers: s.jobHandlers, giveUps: s.jobGiveUps, queue: s.queue, log: s.log };
        await Promise.all(Array.from({ length: s.config.jobConcurrency }, () => runDueJobs(deps, { shouldStop: () => this.stopping })));
      } catch (e) {
        s.log.error('job worker error', { error: e instanceof Error ? e.message : String(e) });
      }
      if (this.stopping) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.pollMs);
        this.wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wakeUp = null;
    }
  }
}
