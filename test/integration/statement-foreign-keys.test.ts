/**
 * subscribers.newsletter_id and subscriber_events.subscriber_id are checked per statement by
 * triggers (migration 0020) instead of row by row by foreign keys: they must refuse and cascade
 * exactly as the keys did.
 */
import { sql, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds, openTestDb, type TestDb } from '../helpers/db.ts';

describe.each(dbKinds)('statement-level foreign keys (%s)', (kind) => {
  let db: TestDb;
  let newsletter: number;

  beforeAll(async () => {
    db = await openTestDb(kind);
    newsletter = (
      await sql<{ id: number }>`INSERT INTO newsletters (slug, name, from_email) VALUES ('fk', 'FK', 'news@example.org') RETURNING id`.execute(db.db)
    ).rows[0]!.id;
  });
  afterAll(() => db.destroy());

  const count = async (table: 'subscribers' | 'subscriber_events') =>
    Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db.db)).rows[0]!.n);
  const countWhere = async (where: RawBuilder<unknown>) =>
    Number((await sql<{ n: string }>`SELECT count(*) AS n FROM subscribers WHERE ${where}`.execute(db.db)).rows[0]!.n);
  const failure = async (p: Promise<unknown>) => {
    const e = await p.then(
      () => null,
      (err: unknown) => err as { code?: string; message?: string },
    );
    expect(e, 'the statement should have been refused').not.toBeNull();
    return e!;
  };
  const addSubscriber = async (email: string, nid = newsletter) =>
    (
      await sql<{
        id: string;
      }>`INSERT INTO subscribers (newsletter_id, email, email_normalized, status, source) VALUES (${nid}, ${email}, ${email}, 'pending', 'api') RETURNING id`.execute(
        db.db,
      )
    ).rows[0]!.id;

  it('refuses a subscriber of a newsletter that does not exist, and writes none of the statement', async () => {
    const before = await count('subscribers');
    const e = await failure(
      sql`INSERT INTO subscribers (newsletter_id, email, email_normalized, status, source)
          VALUES (${newsletter}, 'ok@example.org', 'ok@example.org', 'pending', 'api'), (${newsletter + 1000}, 'no@example.org', 'no@example.org', 'pending', 'api')`.execute(
        db.db,
      ),
    );
    expect(e.code).toBe('23503');
    expect(e.message).toContain('subscribers_newsletter_id_fkey');
    expect(await count('subscribers')).toBe(before);
  });

  it('refuses an event of a subscriber that does not exist, and accepts one whose subscriber the same statement inserts', async () => {
    const sid = await addSubscriber('events@example.org');
    const before = await count('subscriber_events');
    const e = await failure(
      sql`INSERT INTO subscriber_events (subscriber_id, newsletter_id, type, source)
          VALUES (${sid}, ${newsletter}, 'signup', 'api'), (${Number(sid) + 1_000_000}, ${newsletter}, 'signup', 'api')`.execute(db.db),
    );
    expect(e.code).toBe('23503');
    expect(e.message).toContain('subscriber_events_subscriber_id_fkey');
    expect(await count('subscriber_events')).toBe(before);

    await sql`
      WITH s AS (
        INSERT INTO subscribers (newsletter_id, email, email_normalized, status, source) VALUES (${newsletter}, 'same@example.org', 'same@example.org', 'pending', 'api') RETURNING id
      )
      INSERT INTO subscriber_events (subscriber_id, newsletter_id, type, source) SELECT id, ${newsletter}, 'signup', 'api' FROM s`.execute(db.db);
    expect(await count('subscriber_events')).toBe(before + 1);
  });

  it('refuses moving a subscriber to a missing newsletter, and renumbering a newsletter that has subscribers', async () => {
    const sid = await addSubscriber('move@example.org');
    expect((await failure(sql`UPDATE subscribers SET newsletter_id = ${newsletter + 1000} WHERE id = ${sid}`.execute(db.db))).code).toBe('23503');
    expect((await failure(sql`UPDATE newsletters SET id = ${newsletter + 1000} WHERE id = ${newsletter}`.execute(db.db))).code).toBe('23503');
    expect((await sql<{ n: number }>`SELECT newsletter_id AS n FROM subscribers WHERE id = ${sid}`.execute(db.db)).rows[0]!.n).toBe(newsletter);
  });

  it('deletes a newsletter’s subscribers with it, and refuses deleting a subscriber who has consent events', async () => {
    const gone = (
      await sql<{ id: number }>`INSERT INTO newsletters (slug, name, from_email) VALUES ('fk-gone', 'Gone', 'news@example.org') RETURNING id`.execute(db.db)
    ).rows[0]!.id;
    await addSubscriber('a@example.org', gone);
    await addSubscriber('b@example.org', gone);
    await sql`DELETE FROM newsletters WHERE id = ${gone}`.execute(db.db);
    expect(await countWhere(sql`newsletter_id = ${gone}`)).toBe(0);

    const sid = await addSubscriber('kept@example.org');
    await sql`INSERT INTO subscriber_events (subscriber_id, newsletter_id, type, source) VALUES (${sid}, ${newsletter}, 'signup', 'api')`.execute(db.db);
    expect((await failure(sql`DELETE FROM subscribers WHERE id = ${sid}`.execute(db.db))).message).toContain('append-only');
    expect(await countWhere(sql`id = ${sid}`)).toBe(1);
  });

  // PGlite has one connection, so there is no concurrent transaction to wait on: PostgreSQL only (not a skip).
  const postgresOnly = kind === 'postgres' ? it : () => {};
  postgresOnly('holds the newsletter against deletion until a transaction adding subscribers to it ends, as the key’s lock did', async () => {
    const held = (
      await sql<{ id: number }>`INSERT INTO newsletters (slug, name, from_email) VALUES ('fk-held', 'Held', 'news@example.org') RETURNING id`.execute(db.db)
    ).rows[0]!.id;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const insertedYet = new Promise<void>((r) => (inserted = r));
    const writer = db.db.transaction().execute(async (t) => {
      await sql`INSERT INTO subscribers (newsletter_id, email, email_normalized, status, source) VALUES (${held}, 'held@example.org', 'held@example.org', 'pending', 'api')`.execute(
        t,
      );
      inserted();
      await released;
    });
    await insertedYet;
    const e = await failure(
      db.db.transaction().execute(async (t) => {
        await sql`SET LOCAL lock_timeout = '300ms'`.execute(t);
        await sql`DELETE FROM newsletters WHERE id = ${held}`.execute(t);
      }),
    );
    expect(e.code).toBe('55P03'); // lock_not_available: the delete had to wait for the writer
    release();
    await writer;
    expect(await countWhere(sql`newsletter_id = ${held}`)).toBe(1);
  });
});
