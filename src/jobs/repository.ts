import { sql } from 'kysely';
import { ASYNC_COMMIT, PREPARED, type Db } from '../db/kysely.ts';
import type { JobRow } from '../db/schema.ts';
import type { Job } from './queue.ts';

export class JobsRepository {
  constructor(private readonly db: Db) {}

  async insert(jobs: Job[], now: Date): Promise<void> {
    if (jobs.length === 0) return;
    await this.db
      .insertInto('jobs')
      .values(
        jobs.map((j) => ({
          kind: j.kind,
          payload: JSON.stringify(j.payload),
          dedupe_key: j.dedupeKey ?? null,
          run_at: j.runAt ?? now,
        })),
      )
      .onConflict((oc) => oc.column('dedupe_key').where('done_at', 'is', null).where('failed_at', 'is', null).doNothing())
      .execute();
  }

  /**
   * Claims the next due job; concurrent claimers never get the same one. `doneId`, the job this
   * worker just finished, is marked done in the same statement (one round trip and one commit
   * per job instead of two: a send runs one job per batch of 100).
   */
  async claimNext(now: Date, leaseMs: number, doneId?: string): Promise<JobRow | undefined> {
    const leaseUntil = new Date(now.getTime() + leaseMs);
    const r = await sql<JobRow>`${sql.raw(PREPARED)}
      WITH done AS (UPDATE jobs SET done_at = ${now}, locked_until = NULL, last_error = NULL WHERE id = ${doneId ?? null}::bigint)
      UPDATE jobs SET attempts = attempts + 1, locked_until = ${leaseUntil}
      WHERE id = (
        SELECT id FROM jobs
        WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= ${now}
          AND (locked_until IS NULL OR locked_until < ${now})
        ORDER BY run_at, id
        FOR UPDATE SKIP LOCKED
        LIMIT 1
      ) AND ${ASYNC_COMMIT}
      RETURNING *`.execute(this.db);
    return r.rows[0];
  }

  /**
   * Extends the lease of a job this worker still holds: `attempt` is the claim's attempt number,
   * so a worker that stalled past its lease and lost the job to another one renews nothing.
   * Returns whether the lease is still ours.
   */
  async renewLease(id: string, attempt: number, until: Date): Promise<boolean> {
    const r = await this.db
      .updateTable('jobs')
      .set({ locked_until: until })
      .where('id', '=', id)
      .where('attempts', '=', attempt)
      .where('done_at', 'is', null)
      .where('failed_at', 'is', null)
      .where('locked_until', 'is not', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Runs the job again at `runAt` without counting this claim as an attempt (see Defer). */
  async defer(id: string, runAt: Date): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set((eb) => ({ run_at: runAt, locked_until: null, attempts: eb('attempts', '-', 1) }))
      .where('id', '=', id)
      .execute();
  }

  async markDone(id: string, now: Date): Promise<void> {
    await this.db.updateTable('jobs').set({ done_at: now, locked_until: null, last_error: null }).where('id', '=', id).execute();
  }

  async reschedule(id: string, runAt: Date, error: string | null): Promise<void> {
    await this.db.updateTable('jobs').set({ run_at: runAt, locked_until: null, last_error: error }).where('id', '=', id).execute();
  }

  async markFailed(id: string, now: Date, error: string): Promise<void> {
    await this.db.updateTable('jobs').set({ failed_at: now, locked_until: null, last_error: error }).where('id', '=', id).execute();
  }

  /**
   * Frees every lease. Only for a process that knows no other one is running (PGlite, under the
   * data-directory lock): jobs a killed process held are then picked up at once, not after the lease.
   */
  async releaseAllLeases(): Promise<number> {
    const r = await this.db
      .updateTable('jobs')
      .set({ locked_until: null })
      .where('done_at', 'is', null)
      .where('failed_at', 'is', null)
      .where('locked_until', 'is not', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Deletes up to `limit` jobs that finished (done or failed) before `before`; returns how many. */
  async deleteFinishedBefore(before: Date, limit: number): Promise<number> {
    const r = await sql`
      DELETE FROM jobs WHERE id IN (
        SELECT id FROM jobs
        WHERE (done_at IS NOT NULL OR failed_at IS NOT NULL) AND coalesce(done_at, failed_at) < ${before}
        LIMIT ${limit}
      )`.execute(this.db);
    return Number(r.numAffectedRows ?? 0);
  }

  async countPending(): Promise<number> {
    const r = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('done_at', 'is', null)
      .where('failed_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** The earliest run_at of a pending job, if any. */
  async nextRunAt(): Promise<Date | null> {
    const r = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.min('run_at').as('at'))
      .where('done_at', 'is', null)
      .where('failed_at', 'is', null)
      .executeTakeFirst();
    return r?.at ? new Date(r.at as unknown as string) : null;
  }
}
