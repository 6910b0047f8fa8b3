/** Read-only aggregates the admin dashboard needs that no other module offers. */
import { sql } from 'kysely';
import type { Db } from '../../db/kysely.ts';

export class AdminRepository {
  constructor(private readonly db: Db) {}

  /**
   * Per calendar month (in `tz`) of the last `months`: people who became active (confirmed) and
   * people who left (unsubscribed, suppressed or erased after confirming), plus the active count now.
   */
  async growth(newsletterId: number, tz: string, since: Date): Promise<{ months: { month: string; joined: number; left: number }[]; active: number }> {
    const joined = await sql<{ month: string; n: string }>`
      SELECT to_char(date_trunc('month', confirmed_at AT TIME ZONE ${tz}), 'YYYY-MM') AS month, count(*) AS n
      FROM subscribers WHERE newsletter_id = ${newsletterId} AND confirmed_at >= ${since}
      GROUP BY 1`.execute(this.db);
    const left = await sql<{ month: string; n: string }>`
      SELECT to_char(date_trunc('month', unsubscribed_at AT TIME ZONE ${tz}), 'YYYY-MM') AS month, count(*) AS n
      FROM subscribers WHERE newsletter_id = ${newsletterId} AND unsubscribed_at >= ${since}
      GROUP BY 1`.execute(this.db);
    const active = await this.db
      .selectFrom('subscribers')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('newsletter_id', '=', newsletterId)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    const byMonth = new Map<string, { month: string; joined: number; left: number }>();
    for (const r of joined.rows) byMonth.set(r.month, { month: r.month, joined: Number(r.n), left: 0 });
    for (const r of left.rows) {
      const m = byMonth.get(r.month) ?? { month: r.month, joined: 0, left: 0 };
      m.left = Number(r.n);
      byMonth.set(r.month, m);
    }
    return { months: [...byMonth.values()].sort((a, b) => a.month.localeCompare(b.month)), active: Number(active.n) };
  }
}
