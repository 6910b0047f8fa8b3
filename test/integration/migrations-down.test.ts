/**
 * Every migration's `down` runs, on a database that holds data, and the schema it leaves can be
 * migrated up again: one step down and up at a time from the latest schema to the first, then
 * all the way down and back up.
 */
import { NO_MIGRATIONS, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, quireMigrator } from '../../src/db/kysely.ts';
import { migrations } from '../../migrations/index.ts';
import { dbKinds, openTestDb, type TestDb } from '../helpers/db.ts';

describe.each(dbKinds)('down migrations (%s)', (kind) => {
  let db: TestDb;
  let schema: string | undefined;

  beforeAll(async () => {
    db = await openTestDb(kind, { migrate: false });
    schema = db.schema;
  });
  afterAll(() => db.destroy());

  const tables = async () =>
    (
      await sql<{
        t: string;
      }>`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_name NOT LIKE 'kysely_%' ORDER BY 1`.execute(
        db.db,
      )
    ).rows.map((r) => r.t);
  const applied = async () => (await quireMigrator(db.db, schema).getMigrations()).filter((m) => m.executedAt).map((m) => m.name);

  it('steps down and up again through every migration, then all the way down and back', async () => {
    await migrateToLatest(db.db, schema);
    const names = Object.keys(migrations);
    expect(await applied()).toEqual(names);
    const latestTables = await tables();

    // Data in the tables the later migrations change: a list, a sent issue, its ledger and events.
    const n = (
      await sql<{ id: number }>`INSERT INTO newsletters (slug, name, from_email) VALUES ('down', 'Down', 'news@example.org') RETURNING id`.execute(db.db)
    ).rows[0]!.id;
    const subs = (
      await sql<{ id: string }>`INSERT INTO subscribers (newsletter_id, email, email_normalized, status, source, confirmed_at)
        SELECT ${n}, 'd' || i || '@example.org', 'd' || i || '@example.org', 'active', 'import', now() FROM generate_series(1, 3) AS i RETURNING id`.execute(
        db.db,
      )
    ).rows.map((r) => r.id);
    const issue = (
      await sql<{
        id: number;
      }>`INSERT INTO issues (newsletter_id, number, title, status, content, started_at, sent_at) VALUES (${n}, 1, 'One', 'sent', '{}'::jsonb, now(), now()) RETURNING id`.execute(
        db.db,
      )
    ).rows[0]!.id;
    for (const sid of subs) {
      await sql`INSERT INTO deliveries (issue_id, subscriber_id, email, batch, status, sent_at, delivered_at) VALUES (${issue}, ${sid}, 'x@example.org', 0, 'sent', now(), now())`.execute(
        db.db,
      );
      await sql`INSERT INTO subscriber_events (subscriber_id, newsletter_id, at, type, source) VALUES (${sid}, ${n}, now(), 'import', 'import')`.execute(db.db);
    }

    // Down past the counter migrations (0012–0019) and up again: the counters are rebuilt or kept.
    const counters = async () => ({
      issue: (
        await sql<{
          recipients: string;
          sent: string;
          delivered: string;
        }>`SELECT sum(recipients)::text AS recipients, sum(sent)::text AS sent, sum(delivered)::text AS delivered FROM issue_stats WHERE issue_id = ${issue}`.execute(
          db.db,
        )
      ).rows[0],
      active: (await sql<{ active: string }>`SELECT sum(active)::text AS active FROM subscriber_totals WHERE newsletter_id = ${n}`.execute(db.db)).rows[0]
        ?.active,
    });
    const before = await counters();
    expect(before).toEqual({ issue: { recipients: '3', sent: '3', delivered: '3' }, active: '3' });
    const migrator = quireMigrator(db.db, schema);
    expect((await migrator.migrateTo('0011_housekeeping')).error).toBeUndefined();
    await migrateToLatest(db.db, schema);
    expect(await counters()).toEqual(before);

    for (let i = names.length - 1; i >= 1; i--) {
      const down = await migrator.migrateDown();
      expect(down.error, `down of ${names[i]}`).toBeUndefined();
      expect(await applied()).toEqual(names.slice(0, i));
      const up = await migrator.migrateUp();
      expect(up.error, `up of ${names[i]} after its down`).toBeUndefined();
      const again = await migrator.migrateDown();
      expect(again.error, `down of ${names[i]} a second time`).toBeUndefined();
    }
    const bottom = await migrator.migrateTo(NO_MIGRATIONS);
    expect(bottom.error).toBeUndefined();
    expect(await applied()).toEqual([]);
    expect(await tables()).toEqual([]);

    await migrateToLatest(db.db, schema);
    expect(await applied()).toEqual(names);
    expect(await tables()).toEqual(latestTables);
  });
});
