import { sql, type Kysely } from 'kysely';

// Past issues can be published to the archive without a send (issue 21): status `published`, the
// date they are filed under (`published_at`: a sent issue's is its send time), and `archive_hidden`
// for a sent issue taken off the archive (its delivery record stays). The archive reads issues by
// newsletter and publication date, newest first, through the partial index.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE issues DROP CONSTRAINT IF EXISTS issues_status_check`.execute(db);
  await sql`ALTER TABLE issues ADD CONSTRAINT issues_status_check
    CHECK (status IN ('draft', 'scheduled', 'sending', 'sent', 'cancelled', 'paused', 'published'))`.execute(db);
  await sql`ALTER TABLE issues ADD COLUMN published_at timestamptz`.execute(db);
  await sql`ALTER TABLE issues ADD COLUMN archive_hidden boolean NOT NULL DEFAULT false`.execute(db);
  await sql`UPDATE issues SET published_at = sent_at WHERE status = 'sent'`.execute(db);
  await sql`CREATE INDEX issues_archive ON issues (newsletter_id, published_at DESC, number DESC)
    WHERE status IN ('sent', 'published') AND NOT archive_hidden`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS issues_archive`.execute(db);
  await sql`UPDATE issues SET status = 'draft' WHERE status = 'published'`.execute(db);
  await sql`ALTER TABLE issues DROP COLUMN IF EXISTS archive_hidden`.execute(db);
  await sql`ALTER TABLE issues DROP COLUMN IF EXISTS published_at`.execute(db);
  await sql`ALTER TABLE issues DROP CONSTRAINT IF EXISTS issues_status_check`.execute(db);
  await sql`ALTER TABLE issues ADD CONSTRAINT issues_status_check
    CHECK (status IN ('draft', 'scheduled', 'sending', 'sent', 'cancelled', 'paused'))`.execute(db);
}
