import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUSEKEEPING_MINUTE } from '../../src/modules/housekeeping/service.ts';
import { dbKinds } from '../helpers/db.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

const DAY = 24 * 3600_000;

describe.each(dbKinds)('housekeeping (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(() => h?.close());

  const count = async (table: 'jobs' | 'webhook_events' | 'rate_limits' | 'sessions') =>
    Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(h.db.db)).rows[0]!.n);

  it('deletes finished jobs, raw webhook payloads and stale windows past retention, keeps the rest, and only at its minute', async () => {
    const now = new Date('2026-03-10T09:00:00Z');
    h.clock.set(now);
    const ago = (days: number) => new Date(now.getTime() - days * DAY);
    const db = h.db.db;
    await sql`DELETE FROM jobs`.execute(db);
    // Jobs: an old done one and an old failed one go; a recent done one and a pending one created long ago stay.
    await sql`INSERT INTO jobs (kind, payload, run_at, done_at) VALUES ('noop', '{}', ${ago(20)}, ${ago(20)}), ('noop', '{}', ${ago(2)}, ${ago(2)})`.execute(
      db,
    );
    await sql`INSERT INTO jobs (kind, payload, run_at, failed_at) VALUES ('noop', '{}', ${ago(15)}, ${ago(15)})`.execute(db);
    await sql`INSERT INTO jobs (kind, payload, run_at, created_at) VALUES ('noop', '{}', ${ago(-1)}, ${ago(40)})`.execute(db);
    // Raw webhook events: 31 days old goes, 29 days old stays.
    for (const [id, days] of [
      ['msg_old', 31],
      ['msg_recent', 29],
    ] as const) {
      await sql`INSERT INTO webhook_events (svix_id, type, received_at, payload, processed_at, outcome)
        VALUES (${id}, 'email.delivered', ${ago(days)}, '{"data":{"to":["reader@example.org"]}}'::jsonb, ${ago(days)}, 'applied')`.execute(db);
    }
    await sql`INSERT INTO rate_limits (key, window_start, count) VALUES ('signup:ip:x', ${ago(3)}, 5), ('signup:ip:y', ${new Date(now.getTime() - 600_000)}, 1)`.execute(
      db,
    );

    // Not the housekeeping minute: the tick leaves everything alone.
    await h.drain();
    expect(await count('webhook_events')).toBe(2);

    h.clock.set(new Date(now.getTime() + HOUSEKEEPING_MINUTE * 60_000));
    await h.drain();
    const ids = (await sql<{ svix_id: string }>`SELECT svix_id FROM webhook_events`.execute(db)).rows.map((r) => r.svix_id);
    expect(ids).toEqual(['msg_recent']);
    const keys = (await sql<{ key: string }>`SELECT key FROM rate_limits ORDER BY key`.execute(db)).rows.map((r) => r.key);
    expect(keys).toEqual(['signup:ip:y']);
    const jobs = (
      await sql<{
        run_at: Date;
        done_at: Date | null;
        failed_at: Date | null;
        kind: string;
      }>`SELECT kind, run_at, done_at, failed_at FROM jobs ORDER BY created_at, id`.execute(db)
    ).rows;
    // Kept: the pending job created 40 days ago, the 2-day-old done one, and the housekeeping job itself.
    expect(jobs.map((j) => [j.kind, j.done_at === null && j.failed_at === null ? 'pending' : 'finished'])).toEqual([
      ['noop', 'pending'],
      ['noop', 'finished'],
      ['housekeeping.prune', 'finished'],
    ]);

    // Running it again (a second tick in that minute, a manual run) deletes nothing more.
    expect(await h.services.housekeeping.prune()).toEqual({ jobs: 0, webhookEvents: 0, rateLimits: 0, sessions: 0 });
    expect(await count('webhook_events')).toBe(1);
  });

  it('deletes in chunks until nothing past retention is left', async () => {
    const now = h.clock.now();
    const old = new Date(now.getTime() - 60 * DAY);
    await sql`INSERT INTO webhook_events (svix_id, type, received_at, payload, processed_at, outcome)
      SELECT 'bulk_' || g, 'email.opened', ${old}, '{}'::jsonb, ${old}, 'applied' FROM generate_series(1, 12000) g`.execute(h.db.db);
    const r = await h.services.housekeeping.prune();
    expect(r.webhookEvents).toBe(12000);
    expect(await count('webhook_events')).toBe(1);
  });
});
