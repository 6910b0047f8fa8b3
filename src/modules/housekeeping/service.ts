/**
 * Retention: an hourly job that deletes what has served its purpose, so tables that only ever
 * grow (the job log, raw webhook payloads with addresses in them, rate-limit windows, expired
 * sessions) stay the size of their useful window. Statistics never depend on these rows: the
 * counters, the ledger and the consent record are kept.
 */
import type { JobQueue } from '../../jobs/queue.ts';
import type { JobsRepository } from '../../jobs/repository.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import type { AuthRepository } from '../auth/repository.ts';
import type { EventsRepository } from '../events/repository.ts';
import type { RateLimitsRepository } from '../rate-limits/repository.ts';

const DAY_MS = 24 * 3600_000;

/** How long each kind of row is kept. */
export const RETENTION = {
  /** Finished jobs: long enough to read why something failed last week. */
  jobsMs: 14 * DAY_MS,
  /** Raw provider events: a month, for support questions; the facts they carried stay in the ledger. */
  webhookEventsMs: 30 * DAY_MS,
  /** Rate-limit windows: the longest window is an hour. */
  rateLimitsMs: DAY_MS,
} as const;

/** The tick enqueues the job in this minute of each hour (every runtime's cron fires each minute). */
export const HOUSEKEEPING_MINUTE = 41;

/** Deletes run in chunks so no statement holds locks for long. */
const CHUNK = 5_000;

export interface PruneResult {
  jobs: number;
  webhookEvents: number;
  rateLimits: number;
  sessions: number;
}

export class HousekeepingService {
  constructor(
    private readonly d: {
      jobs: JobsRepository;
      events: EventsRepository;
      rateLimits: RateLimitsRepository;
      auth: AuthRepository;
      queue: JobQueue;
      clock: Clock;
      log: Logger;
    },
  ) {}

  /** Tick finder: once an hour, enqueue the prune job (deduplicated by the hour). */
  async enqueueDue(now: Date): Promise<number> {
    if (now.getUTCMinutes() !== HOUSEKEEPING_MINUTE) return 0;
    const hour = now.toISOString().slice(0, 13);
    await this.d.queue.enqueue([{ kind: 'housekeeping.prune', payload: {}, dedupeKey: `housekeeping:${hour}` }]);
    return 1;
  }

  /** Job: deletes everything past its retention. Idempotent; running it twice deletes nothing more. */
  async prune(): Promise<PruneResult> {
    const now = this.d.clock.now().getTime();
    const result: PruneResult = {
      jobs: await chunked((n) => this.d.jobs.deleteFinishedBefore(new Date(now - RETENTION.jobsMs), n)),
      webhookEvents: await chunked((n) => this.d.events.deleteWebhookEventsBefore(new Date(now - RETENTION.webhookEventsMs), n)),
      rateLimits: await this.d.rateLimits.sweep(new Date(now - RETENTION.rateLimitsMs)),
      sessions: await this.d.auth.deleteExpiredSessions(new Date(now)),
    };
    if (result.jobs + result.webhookEvents + result.rateLimits + result.sessions > 0) this.d.log.info('housekeeping: pruned', { ...result });
    return result;
  }
}

async function chunked(del: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await del(CHUNK);
    total += n;
    if (n < CHUNK) return total;
  }
}
