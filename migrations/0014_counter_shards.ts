import { sql, type Kysely } from 'kysely';

// Per-issue counters split into shards, one per database connection.
//
// `issue_stats` (0005) and `issue_timeline` (0012) had one row per issue (per issue and hour), moved
// by statement-level triggers on every write to the ledger and the opens. A webhook moves its
// issue's row and holds that row's lock until its transaction commits (the disk flush included),
// so every webhook of one issue waited for the one before: a burst of 10 000 delivery events was
// ingested at about 200 a second, most of each request spent waiting for that lock, and the send
// pipeline's job loops queued behind each other the same way.
//
// Now each row also has a `shard`, the writing connection's process id modulo 64: a connection
// only ever adds to its own shard, so concurrent transactions no longer wait for each other (two
// pool connections share a shard only when their process ids collide modulo 64). Readers sum an
// issue's shards: at most 64 rows for the stats, 64 per hour for the timeline.
//
// The trigger functions are rewritten here whole (a migration that has landed is not edited, and
// this one must not change if helpers elsewhere do): the same counters as 0005 and 0012, the
// same lock order (an issue's stats row before its timeline rows, issues ascending), now on the
// connection's own shard. Deletes (only an issue's own cascade deletes ledger rows) subtract from
// the lowest existing shard: inserting a row for an issue being deleted would break its key.

const SHARDS = 64;
const SHARD = `(pg_backend_pid() % ${SHARDS})::smallint`;

/** 0005: a ledger row's contribution to each counter; `r` is a deliveries row. */
const COUNTERS: [column: string, expr: string][] = [
  ['recipients', '1'],
  ['sent', `(r.status = 'sent')::int`],
  ['failed', `(r.status = 'failed' OR r.failed_at IS NOT NULL)::int`],
  ['delivered', `(r.bounced_at IS NULL AND (r.delivered_at IS NOT NULL OR r.first_opened_at IS NOT NULL OR r.complained_at IS NOT NULL))::int`],
  ['bounced_hard', `(r.bounce_type = 'hard')::int`],
  ['bounced_soft', `(r.bounce_type = 'soft')::int`],
  ['complained', `(r.complained_at IS NOT NULL)::int`],
  ['opened_unique', `(r.first_opened_at IS NOT NULL)::int`],
  ['opened_human', `(r.human_opened_at IS NOT NULL)::int`],
  ['opens_total', `r.open_count`],
];
const cols = COUNTERS.map(([c]) => c).join(', ');
const select = (table: string, sign: '' | '-') =>
  `SELECT r.issue_id, ${COUNTERS.map(([c, e]) => `${sign}coalesce((${e})::bigint, 0) AS ${c}`).join(', ')} FROM ${table} r`;
const sums = COUNTERS.map(([c]) => `coalesce(sum(${c}), 0)::bigint AS ${c}`).join(', ');
const nonZero = COUNTERS.map(([c]) => `sum(${c}) <> 0`).join(' OR ');
const add = COUNTERS.map(([c]) => `${c} = s.${c} + excluded.${c}`).join(', ');

/** 0012: the timeline's counters and a ledger row's / an open's contributions to them. */
const hour = (col: string) => `date_bin('1 hour', ${col}, timestamptz '2000-01-01 00:00:00+00')`;
const TIMELINE = ['sent', 'delivered', 'unique_opens', 'opens', 'human_opens'] as const;
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
const openRows = (table: string, sign: string) =>
  `SELECT r.issue_id, ${hour('r.at')} AS hour, 0::bigint AS sent, 0::bigint AS delivered, 0::bigint AS unique_opens, ${sign}::bigint AS opens, CASE WHEN r.likely_human THEN ${sign} ELSE 0 END::bigint AS human_opens FROM ${table} r`;

/** The trigger function bodies, on shards (`sharded`) or, for `down`, on one row as before. */
function bodies(sharded: boolean) {
  const shardCol = sharded ? ', shard' : '';
  const shardVal = sharded ? `, ${SHARD}` : '';
  const myShard = (alias: string) => (sharded ? ` AND ${alias}.shard = ${SHARD}` : '');
  const lowest = (table: string, alias: string, key: string) =>
    sharded
      ? ` AND ${alias}.shard = (SELECT min(m.shard) FROM ${table} m WHERE ${key
          .split(', ')
          .map((k) => `m.${k} = d.${k}`)
          .join(' AND ')})`
      : '';
  const statsUpsert = (rows: string, having: string) => `
    INSERT INTO issue_stats AS s (issue_id${shardCol}, ${cols})
    SELECT issue_id${shardVal}, ${sums} FROM (${rows}) x GROUP BY issue_id ${having} ORDER BY issue_id
    ON CONFLICT (issue_id${shardCol}) DO UPDATE SET ${add};`;
  const timelineUpsert = (rows: string) => `
    WITH d AS (
      SELECT issue_id, hour, ${TIMELINE.map((t) => `sum(${t}) AS ${t}`).join(', ')} FROM (${rows}) x
      GROUP BY issue_id, hour HAVING ${TIMELINE.map((t) => `sum(${t}) <> 0`).join(' OR ')}
    ),
    locked AS (SELECT s.issue_id FROM issue_stats s WHERE s.issue_id IN (SELECT issue_id FROM d)${myShard('s')} ORDER BY s.issue_id FOR UPDATE)
    INSERT INTO issue_timeline AS t (issue_id, hour${shardCol}, ${TIMELINE.join(', ')})
    SELECT issue_id, hour${shardVal}, ${TIMELINE.join(', ')} FROM d WHERE (SELECT count(*) FROM locked) >= 0 ORDER BY issue_id, hour
    ON CONFLICT (issue_id, hour${shardCol}) DO UPDATE SET ${TIMELINE.map((t) => `${t} = t.${t} + excluded.${t}`).join(', ')};`;
  const timelineSubtract = (rows: string) => `
    UPDATE issue_timeline t SET ${TIMELINE.map((c) => `${c} = t.${c} + d.${c}`).join(', ')}
    FROM (SELECT issue_id, hour, ${TIMELINE.map((c) => `sum(${c}) AS ${c}`).join(', ')} FROM (${rows}) x GROUP BY 1, 2) d
    WHERE t.issue_id = d.issue_id AND t.hour = d.hour${lowest('issue_timeline', 't', 'issue_id, hour')};`;
  return {
    deliveries_stats_insert: statsUpsert(select('new_rows', ''), ''),
    deliveries_stats_update: statsUpsert(`${select('new_rows', '')} UNION ALL ${select('old_rows', '-')}`, `HAVING ${nonZero}`),
    deliveries_stats_delete: `
    UPDATE issue_stats s SET ${COUNTERS.map(([c]) => `${c} = s.${c} + d.${c}`).join(', ')}
    FROM (SELECT issue_id, ${sums} FROM (${select('old_rows', '-')}) x GROUP BY issue_id) d
    WHERE s.issue_id = d.issue_id${lowest('issue_stats', 's', 'issue_id')};`,
    deliveries_timeline_insert: timelineUpsert(ledgerRows('new_rows', '1')),
    deliveries_timeline_update: timelineUpsert(`${ledgerRows('new_rows', '1')} UNION ALL ${ledgerRows('old_rows', '-1')}`),
    deliveries_timeline_delete: timelineSubtract(ledgerRows('old_rows', '-1')),
    delivery_opens_timeline_insert: timelineUpsert(openRows('new_rows', '1')),
    delivery_opens_timeline_update: timelineUpsert(`${openRows('new_rows', '1')} UNION ALL ${openRows('old_rows', '-1')}`),
    delivery_opens_timeline_delete: timelineSubtract(openRows('old_rows', '-1')),
  };
}

async function replaceFunctions(db: Kysely<unknown>, sharded: boolean): Promise<void> {
  for (const [name, body] of Object.entries(bodies(sharded))) {
    await sql.raw(`CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${body} RETURN NULL; END $$`).execute(db);
  }
}

export async function up(db: Kysely<unknown>): Promise<void> {
  // The existing counts become shard 0. ALTER TABLE locks both tables until this commits, so no
  // writer moves a counter between the new key and the new functions.
  for (const [table, key] of [
    ['issue_stats', 'issue_id'],
    ['issue_timeline', 'issue_id, hour'],
  ] as const) {
    await sql.raw(`ALTER TABLE ${table} ADD COLUMN shard smallint NOT NULL DEFAULT 0`).execute(db);
    await sql.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey`).execute(db);
    await sql.raw(`ALTER TABLE ${table} ADD PRIMARY KEY (${key}, shard)`).execute(db);
  }
  await replaceFunctions(db, true);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Fold each issue's shards into one row (shard -1 while both exist), then the key and the
  // functions of 0005 / 0012.
  for (const [table, key, counters] of [
    ['issue_stats', 'issue_id', COUNTERS.map(([c]) => c)],
    ['issue_timeline', 'issue_id, hour', [...TIMELINE]],
  ] as const) {
    await sql
      .raw(
        `INSERT INTO ${table} (${key}, shard, ${counters.join(', ')}) SELECT ${key}, -1, ${counters.map((c) => `sum(${c})`).join(', ')} FROM ${table} GROUP BY ${key}`,
      )
      .execute(db);
    await sql.raw(`DELETE FROM ${table} WHERE shard <> -1`).execute(db);
    await sql.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey`).execute(db);
    await sql.raw(`ALTER TABLE ${table} DROP COLUMN shard`).execute(db);
    await sql.raw(`ALTER TABLE ${table} ADD PRIMARY KEY (${key})`).execute(db);
  }
  await replaceFunctions(db, false);
}
