/**
 * Fixed-window counters in the database, so every Node process and Worker isolate shares them.
 * One upsert per hit; windows that ended a day ago are deleted by the hourly housekeeping job (src/modules/housekeeping).
 */
import { sql } from 'kysely';
import type { Db } from '../../db/kysely.ts';

export interface RateLimitHit {
  count: number;
  /** When the current window ends. */
  resetAt: Date;
}

/**
 * A hot key (every signup behind one proxy shares an IP) spreads its hits over this many rows,
 * `key#0` … `key#31`, each hit on one at random, the count being their sum: one row would hold
 * its lock from each hit until that transaction's commit, disk flush included, and so serialise
 * every request with that key. See SubscribersRepository.signup, which counts in the same
 * statement as the signup.
 */
export const RATE_LIMIT_SHARDS = 32;

export class RateLimitsRepository {
  constructor(private readonly db: Db) {}

  async hit(key: string, windowMs: number, now: Date): Promise<RateLimitHit> {
    const start = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
    const r = await sql<{ count: number }>`
      INSERT INTO rate_limits (key, window_start, count) VALUES (${key}, ${start}, 1)
      ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1
      RETURNING count`.execute(this.db);
    return { count: Number(r.rows[0]!.count), resetAt: new Date(start.getTime() + windowMs) };
  }

  /** The current window's count for `key`, without counting a hit. */
  async peek(key: string, windowMs: number, now: Date): Promise<RateLimitHit> {
    const start = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
    const r = await this.db.selectFrom('rate_limits').select('count').where('key', '=', key).where('window_start', '=', start).executeTakeFirst();
    return { count: Number(r?.count ?? 0), resetAt: new Date(start.getTime() + windowMs) };
  }

  /** Forgets `key`'s counts (a success ends a run of failures). */
  async reset(key: string): Promise<void> {
    await this.db.deleteFrom('rate_limits').where('key', '=', key).execute();
  }

  async sweep(before: Date): Promise<number> {
    const r = await this.db.deleteFrom('rate_limits').where('window_start', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
