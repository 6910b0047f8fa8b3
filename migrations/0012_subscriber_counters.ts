import { sql, type Kysely } from 'kysely';

// List growth without counting the list: the dashboard's twelve months of joined / left and the
// active total read small counter tables instead of a million subscriber rows.
//
// `subscriber_growth` holds, per newsletter and per UTC quarter hour, how many rows have their
// confirmed_at ("joined") and their unsubscribed_at ("left") in it: exactly what the dashboard
// counted from `subscribers` before. Quarter hours because every time zone in use today is a whole
// number of quarter hours from UTC, so months in the newsletter's zone (say Asia/Shanghai, or
// Asia/Kathmandu at +05:45) start on a bucket boundary and each count lands in the right month.
// A busy list fills some 35 000 quarter hours a year, so `subscriber_growth_daily` keeps the same
// counts per UTC day: a month is read as its whole UTC days plus the quarter hours of the partial
// day at either end (about 400 + 13 × 192 rows for a year, however busy the list).
// `subscriber_totals` holds the number of rows with status 'active'.
//
// Both are kept like issue_stats (0005): statement-level triggers on `subscribers` with transition
// tables, which subtract each changed row's old contribution and add its new one, with one
// aggregated upsert per statement (a CSV chunk of thousands of rows or a single signup alike).
// Statements that move no counter (a pending signup, a name change) write nothing here.
//
// `issue_timeline` does the same for an issue's first hours (the stats page's chart): per issue and
// UTC hour, ledger rows whose sent_at, delivered_at, first_opened_at fall in it, and opens (all,
// likely human), kept by triggers on `deliveries` and `delivery_opens`, instead of a pass over a
// million ledger rows and more opens each time the page is shown.

/** Quarter-hour bucket of a timestamp, independent of the session's TimeZone. */
const bucket = (col: string) => `date_bin('15 minutes', ${col}, timestamptz '2000-01-01 00:00:00+00')`;

/** Each row's contributions to the growth buckets, with `sign` (1 or -1). */
const growthRows = (table: string, sign: string) => `
  SELECT r.newsletter_id, ${bucket('r.confirmed_at')} AS bucket, ${sign}::bigint AS joined, 0::bigint AS unsubscribed FROM ${table} r WHERE r.confirmed_at IS NOT NULL
  UNION ALL
  SELECT r.newsletter_id, ${bucket('r.unsubscribed_at')}, 0::bigint, ${sign}::bigint FROM ${table} r WHERE r.unsubscribed_at IS NOT NULL`;

const activeRows = (table: string, sign: string) => `SELECT r.newsletter_id, ${sign}::bigint AS active FROM ${table} r WHERE r.status = 'active'`;

/** Start of the UTC day of a quarter-hour bucket. */
const day = (col: string) => `date_bin('1 day', ${col}, timestamptz '2000-01-01 00:00:00+00')`;

/**
 * Upserts the net change of `rows` into both growth tables (ordered by key, so concurrent
 * statements lock in one order; the daily table always after the quarter-hour one).
 */
const upsertGrowth = (rows: string) =>
  (
    [
      ['subscriber_growth', 'bucket'],
      ['subscriber_growth_daily', day('bucket')],
    ] as const
  )
    .map(
      ([table, key]) => `
  INSERT INTO ${table} AS g (newsletter_id, bucket, joined, unsubscribed)
  SELECT newsletter_id, ${key}, sum(joined), sum(unsubscribed) FROM (${rows}) x
  GROUP BY 1, 2 HAVING sum(joined) <> 0 OR sum(unsubscribed) <> 0 ORDER BY 1, 2
  ON CONFLICT (newsletter_id, bucket) DO UPDATE SET joined = g.joined + excluded.joined, unsubscribed = g.unsubscribed + excluded.unsubscribed;`,
    )
    .join('\n');

/** DELETE: UPDATE only (see subscribers_counters_delete). */
const subtractGrowth = (rows: string) =>
  (
    [
      ['subscriber_growth', 'bucket'],
      ['subscriber_growth_daily', day('bucket')],
    ] as const
  )
    .map(
      ([table, key]) => `
  UPDATE ${table} g SET joined = g.joined + d.joined, unsubscribed = g.unsubscribed + d.unsubscribed
  FROM (SELECT newsletter_id, ${key} AS bucket, sum(joined) AS joined, sum(unsubscribed) AS unsubscribed FROM (${rows}) x GROUP BY 1, 2) d
  WHERE g.newsletter_id = d.newsletter_id AND g.bucket = d.bucket;`,
    )
    .join('\n');

const upsertActive = (rows: string) => `
  INSERT INTO subscriber_totals AS t (newsletter_id, active)
  SELECT newsletter_id, sum(active) FROM (${rows}) x
  GROUP BY newsletter_id HAVING sum(active) <> 0 ORDER BY newsletter_id
  ON CONFLICT (newsletter_id) DO UPDATE SET active = t.active + excluded.active;`;

/** Hour bucket, independent of the session's TimeZone. */
const hour = (col: string) => `date_bin('1 hour', ${col}, timestamptz '2000-01-01 00:00:00+00')`;
const TIMELINE = ['sent', 'delivered', 'unique_opens', 'opens', 'human_opens'] as const;

/** A ledger row's contributions (`r` is a deliveries row): its sent, delivered and first-open hours. */
const ledgerRows = (table: string, sign: string) =>
  (
    [
      ['sent', 'sent_at'],
      ['delivered', 'delivered_at'],
      ['unique_opens', 'first_opened_at'],
    ] as const
  )
    .map(
      ([c, col]) =>
        `SELECT r.issue_id, ${hour(`r.${col}`)} AS hour, ${TIMELINE.map((t) => `${t === c ? sign : '0'}::bigint AS ${t}`).join(', ')} FROM ${table} r WHERE r.${col} IS NOT NULL`,
    )
    .join(' UNION ALL ');
/** An open's contribution (`r` is a delivery_opens row). */
const openRows = (table: string, sign: string) =>
  `SELECT r.issue_id, ${hour('r.at')} AS hour, 0::bigint AS sent, 0::bigint AS delivered, 0::bigint AS unique_opens, ${sign}::bigint AS opens, CASE WHEN r.likely_human THEN ${sign} ELSE 0 END::bigint AS human_opens FROM ${table} r`;

/**
 * Upserts the net change of `rows`. Every writer of the ledger also moves the issue's issue_stats
 * row (0005's triggers, which fire first on deliveries: triggers fire in name order); taking that
 * row's lock here first too keeps one lock order, issue_stats then issue_timeline, whichever table
 * a statement writes first (the open pixel writes delivery_opens and deliveries in one statement).
 */
const upsertTimeline = (rows: string) => `
  WITH d AS (
    SELECT issue_id, hour, ${TIMELINE.map((t) => `sum(${t}) AS ${t}`).join(', ')} FROM (${rows}) x
    GROUP BY issue_id, hour HAVING ${TIMELINE.map((t) => `sum(${t}) <> 0`).join(' OR ')}
  ),
  locked AS (SELECT s.issue_id FROM issue_stats s WHERE s.issue_id IN (SELECT issue_id FROM d) ORDER BY s.issue_id FOR UPDATE)
  INSERT INTO issue_timeline AS t (issue_id, hour, ${TIMELINE.join(', ')})
  SELECT issue_id, hour, ${TIMELINE.join(', ')} FROM d WHERE (SELECT count(*) FROM locked) >= 0 ORDER BY issue_id, hour
  ON CONFLICT (issue_id, hour) DO UPDATE SET ${TIMELINE.map((t) => `${t} = t.${t} + excluded.${t}`).join(', ')};`;

/** DELETE: UPDATE only (rows deleted with their issue have no counters left; see 0005). */
const subtractTimeline = (rows: string) => `
  UPDATE issue_timeline t SET ${TIMELINE.map((c) => `${c} = t.${c} + d.${c}`).join(', ')}
  FROM (SELECT issue_id, hour, ${TIMELINE.map((c) => `sum(${c}) AS ${c}`).join(', ')} FROM (${rows}) x GROUP BY 1, 2) d
  WHERE t.issue_id = d.issue_id AND t.hour = d.hour;`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE subscriber_growth (
      newsletter_id integer NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
      -- start of a UTC quarter hour
      bucket timestamptz NOT NULL,
      joined bigint NOT NULL DEFAULT 0,
      unsubscribed bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (newsletter_id, bucket)
    )`.execute(db);
  await sql`
    CREATE TABLE subscriber_growth_daily (
      newsletter_id integer NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
      -- start of a UTC day
      bucket timestamptz NOT NULL,
      joined bigint NOT NULL DEFAULT 0,
      unsubscribed bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (newsletter_id, bucket)
    )`.execute(db);
  await sql`
    CREATE TABLE subscriber_totals (
      newsletter_id integer PRIMARY KEY REFERENCES newsletters (id) ON DELETE CASCADE,
      active bigint NOT NULL DEFAULT 0
    )`.execute(db);

  await sql
    .raw(`
    CREATE FUNCTION subscribers_counters_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      ${upsertGrowth(growthRows('new_rows', '1'))}
      ${upsertActive(activeRows('new_rows', '1'))}
      RETURN NULL;
    END $$`)
    .execute(db);
  await sql
    .raw(`
    CREATE FUNCTION subscribers_counters_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- Most updates (a soft-bounce reset on every delivery webhook, a reminder timestamp, a name)
      -- move no counter: one look at the changed columns, and out.
      IF NOT EXISTS (
        SELECT 1 FROM new_rows n FULL JOIN old_rows o ON o.id = n.id
        WHERE n.id IS NULL OR o.id IS NULL OR n.newsletter_id <> o.newsletter_id OR n.status <> o.status
           OR n.confirmed_at IS DISTINCT FROM o.confirmed_at OR n.unsubscribed_at IS DISTINCT FROM o.unsubscribed_at
      ) THEN
        RETURN NULL;
      END IF;
      ${upsertGrowth(`${growthRows('new_rows', '1')} UNION ALL ${growthRows('old_rows', '-1')}`)}
      ${upsertActive(`${activeRows('new_rows', '1')} UNION ALL ${activeRows('old_rows', '-1')}`)}
      RETURN NULL;
    END $$`)
    .execute(db);
  // UPDATE only: rows deleted with their newsletter have no counters left to correct (cascade),
  // and inserting for a newsletter being deleted would break its foreign key.
  await sql
    .raw(`
    CREATE FUNCTION subscribers_counters_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      ${subtractGrowth(growthRows('old_rows', '-1'))}
      UPDATE subscriber_totals t SET active = t.active + d.active
      FROM (SELECT newsletter_id, sum(active) AS active FROM (${activeRows('old_rows', '-1')}) x GROUP BY 1) d
      WHERE t.newsletter_id = d.newsletter_id;
      RETURN NULL;
    END $$`)
    .execute(db);
  await sql`CREATE TRIGGER subscribers_counters_insert AFTER INSERT ON subscribers REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION subscribers_counters_insert()`.execute(
    db,
  );
  await sql`CREATE TRIGGER subscribers_counters_update AFTER UPDATE ON subscribers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION subscribers_counters_update()`.execute(
    db,
  );
  await sql`CREATE TRIGGER subscribers_counters_delete AFTER DELETE ON subscribers REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION subscribers_counters_delete()`.execute(
    db,
  );

  // Lists that existed before this migration (the triggers' lock on subscribers holds writers off
  // until this transaction commits, so nothing is counted twice or missed).
  for (const [table, key] of [
    ['subscriber_growth', 'bucket'],
    ['subscriber_growth_daily', day('bucket')],
  ] as const) {
    await sql
      .raw(`
      INSERT INTO ${table} (newsletter_id, bucket, joined, unsubscribed)
      SELECT newsletter_id, ${key}, sum(joined), sum(unsubscribed) FROM (${growthRows('subscribers', '1')}) x GROUP BY 1, 2`)
      .execute(db);
  }
  await sql
    .raw(`INSERT INTO subscriber_totals (newsletter_id, active) SELECT newsletter_id, count(*) FROM subscribers WHERE status = 'active' GROUP BY 1`)
    .execute(db);

  await sql`
    CREATE TABLE issue_timeline (
      issue_id integer NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
      -- start of a UTC hour
      hour timestamptz NOT NULL,
      ${sql.raw(TIMELINE.map((t) => `${t} bigint NOT NULL DEFAULT 0`).join(',\n      '))},
      PRIMARY KEY (issue_id, hour)
    )`.execute(db);
  const fn = async (name: string, body: string) =>
    sql.raw(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${body} RETURN NULL; END $$`).execute(db);
  await fn('deliveries_timeline_insert', upsertTimeline(ledgerRows('new_rows', '1')));
  await fn('deliveries_timeline_update', upsertTimeline(`${ledgerRows('new_rows', '1')} UNION ALL ${ledgerRows('old_rows', '-1')}`));
  await fn('deliveries_timeline_delete', subtractTimeline(ledgerRows('old_rows', '-1')));
  await fn('delivery_opens_timeline_insert', upsertTimeline(openRows('new_rows', '1')));
  await fn('delivery_opens_timeline_update', upsertTimeline(`${openRows('new_rows', '1')} UNION ALL ${openRows('old_rows', '-1')}`));
  await fn('delivery_opens_timeline_delete', subtractTimeline(openRows('old_rows', '-1')));
  for (const table of ['deliveries', 'delivery_opens']) {
    await sql
      .raw(
        `CREATE TRIGGER ${table}_timeline_insert AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${table}_timeline_insert()`,
      )
      .execute(db);
    await sql
      .raw(
        `CREATE TRIGGER ${table}_timeline_update AFTER UPDATE ON ${table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${table}_timeline_update()`,
      )
      .execute(db);
    await sql
      .raw(
        `CREATE TRIGGER ${table}_timeline_delete AFTER DELETE ON ${table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${table}_timeline_delete()`,
      )
      .execute(db);
  }
  await sql
    .raw(`
    INSERT INTO issue_timeline (issue_id, hour, ${TIMELINE.join(', ')})
    SELECT issue_id, hour, ${TIMELINE.map((t) => `sum(${t})`).join(', ')} FROM (${ledgerRows('deliveries', '1')} UNION ALL ${openRows('delivery_opens', '1')}) x
    GROUP BY 1, 2`)
    .execute(db);

  // The recipients list filtered to a rare state (complained, bounced, failed) reads this instead
  // of walking the issue's whole ledger for a page of matches; only troubled rows are in it.
  await sql`
    CREATE INDEX deliveries_trouble ON deliveries (issue_id, id)
    WHERE complained_at IS NOT NULL OR bounced_at IS NOT NULL OR bounce_type IS NOT NULL OR failed_at IS NOT NULL OR status = 'failed'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS deliveries_trouble`.execute(db);
  for (const table of ['deliveries', 'delivery_opens']) {
    for (const t of ['insert', 'update', 'delete']) {
      await sql.raw(`DROP TRIGGER IF EXISTS ${table}_timeline_${t} ON ${table}`).execute(db);
      await sql.raw(`DROP FUNCTION IF EXISTS ${table}_timeline_${t}()`).execute(db);
    }
  }
  await sql`DROP TABLE IF EXISTS issue_timeline`.execute(db);
  for (const t of ['insert', 'update', 'delete']) {
    await sql.raw(`DROP TRIGGER IF EXISTS subscribers_counters_${t} ON subscribers`).execute(db);
    await sql.raw(`DROP FUNCTION IF EXISTS subscribers_counters_${t}()`).execute(db);
  }
  await sql`DROP TABLE IF EXISTS subscriber_totals`.execute(db);
  await sql`DROP TABLE IF EXISTS subscriber_growth_daily`.execute(db);
  await sql`DROP TABLE IF EXISTS subscriber_growth`.execute(db);
}
