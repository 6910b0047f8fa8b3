import { sql, type Kysely } from 'kysely';

// The in-flight marker of the send pipeline moves from the ledger rows to one row per batch.
//
// A batch attempt used to mark its ≤ 100 ledger rows `sending` before calling the provider, so a
// retry after a crash would send exactly them again under the same idempotency key. That was a
// second full update of every ledger row (each a new row version and seven index entries), and the
// largest share of the send's database time. Now the attempt writes one `delivery_batches` row
// with the ids it is sending; the ledger rows stay `queued` until the provider has answered and
// are written once, to `sent` or `failed`, which also deletes the batch row. Rows a crashed older
// version left in `sending` are still honoured (see SendingRepository.claim).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE delivery_batches (
      issue_id integer NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
      batch integer NOT NULL,
      -- the deliveries ids of the attempt in flight, ascending (the idempotency key is derived from them)
      ids bigint[] NOT NULL,
      claimed_at timestamptz NOT NULL,
      PRIMARY KEY (issue_id, batch)
    )`.execute(db);
  // (issue_id, batch) for every row duplicated the partial index of unfinished rows, which is what
  // the claim and the tick read; one index fewer to write for each ledger row.
  await sql`DROP INDEX IF EXISTS deliveries_batch`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS deliveries_batch ON deliveries (issue_id, batch)`.execute(db);
  await sql`DROP TABLE IF EXISTS delivery_batches`.execute(db);
}
