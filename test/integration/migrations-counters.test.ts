/**
 * A database with sent issues, opens and unsubscribes, migrated from before the sharded counters
 * (0014) and the unsubscribe counter (0016) to the latest schema: the stats and the timeline show
 * what they showed before, and "unsubscribed since this issue" is what the former query counted.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, quireMigrator } from '../../src/db/kysely.ts';
import { EventsRepository } from '../../src/modules/events/repository.ts';
import { dbKinds, openTestDb, type TestDb } from '../helpers/db.ts';

describe.each(dbKinds)('counter migrations on existing data (%s)', (kind) => {
  let db: TestDb;
  let schema: string | undefined;

  beforeAll(async () => {
    db = await openTestDb(kind, { migrate: false });
    schema = db.schema;
  });
  afterAll(() => db.destroy());

  it('keeps the stats and the timeline, and counts earlier unsubscribes, when 0014–0016 run', async () => {
    const before = await quireMigrator(db.db, schema).migrateTo('0013_send_batches');
    expect(before.error).toBeUndefined();

    const t0 = new Date('2026-03-02T09:00:00Z');
    const minutes = (m: number) => new Date(t0.getTime() + m * 60_000);
    const n = (
      await sql<{ id: number }>`INSERT INTO newsletters (slug, name, from_email) VALUES ('old-list', 'Old list', 'news@example.org') RETURNING id`.execute(
        db.db,
      )
    ).rows[0]!.id;
    const subs = (
      await sql<{ id: string }>`
        INSERT INTO subscribers (newsletter_id, email, email_normalized, status, source, confirmed_at)
        SELECT ${n}, 'm' || i || '@example.org', 'm' || i || '@example.org', 'active', 'import', ${t0} FROM generate_series(1, 6) AS i RETURNING id`.execute(
        db.db,
      )
    ).rows.map((r) => r.id);
    const issue = async (num: number, start: Date) =>
      (
        await sql<{
          id: number;
        }>`INSERT INTO issues (newsletter_id, number, title, status, content, started_at, sent_at) VALUES (${n}, ${num}, ${`Issue ${num}`}, 'sent', '{}'::jsonb, ${start}, ${start}) RETURNING id`.execute(
          db.db,
        )
      ).rows[0]!.id;
    const first = await issue(1, t0);
    // six recipients sent, four delivered, two opened
    for (const [k, sid] of subs.entries()) {
      await sql`INSERT INTO deliveries (issue_id, subscriber_id, email, batch, status, sent_at, delivered_at, first_opened_at, open_count)
        VALUES (${first}, ${sid}, ${`m${k}@example.org`}, 0, 'sent', ${minutes(1)}, ${k < 4 ? minutes(2) : null}, ${k < 2 ? minutes(90) : null}, ${k < 2 ? 1 : 0})`.execute(
        db.db,
      );
    }
    const unsubscribe = (sid: string, at: Date) =>
      sql`INSERT INTO subscriber_events (subscriber_id, newsletter_id, at, type, source) VALUES (${sid}, ${n}, ${at}, 'unsubscribe', 'one-click')`.execute(
        db.db,
      );
    await unsubscribe(subs[0]!, minutes(30));
    await unsubscribe(subs[1]!, minutes(40));
    await unsubscribe(subs[1]!, minutes(50)); // again: one person
    const second = await issue(2, minutes(600));
    await sql`INSERT INTO deliveries (issue_id, subscriber_id, email, batch, status, sent_at) VALUES (${second}, ${subs[2]!}, 'm2@example.org', 0, 'sent', ${minutes(601)})`.execute(
      db.db,
    );
    await unsubscribe(subs[2]!, minutes(700)); // after the second issue started: the second's

    await migrateToLatest(db.db, schema);

    const events = new EventsRepository(db.db);
    const c1 = await events.stats.counters(first);
    expect({ recipients: c1?.recipients, sent: c1?.sent, delivered: c1?.delivered, opened: c1?.opened_unique, unsubscribed: c1?.unsubscribed }).toEqual({
      recipients: '6',
      sent: '6',
      delivered: '4',
      opened: '2',
      unsubscribed: '2',
    });
    expect((await events.stats.counters(second))?.unsubscribed).toBe('1');
    const timeline = await events.stats.timeline(first, new Date('2026-03-02T09:00:00Z'), 72);
    const total = (series: string) => timeline.filter((p) => p.series === series).reduce((a, p) => a + p.n, 0);
    expect({ sent: total('sent'), delivered: total('delivered'), uniqueOpens: total('uniqueOpens') }).toEqual({ sent: 6, delivered: 4, uniqueOpens: 2 });

    // and from here on the counters move as before: a later unsubscribe of a first-issue recipient
    // after the second issue started is not the first issue's
    await unsubscribe(subs[3]!, minutes(800));
    expect((await events.stats.counters(first))?.unsubscribed).toBe('2');
  });
});
