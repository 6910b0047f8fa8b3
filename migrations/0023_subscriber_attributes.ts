import { sql, type Kysely } from 'kysely';

// Subscribers carry attributes (organisation, country, role…, as the newsletter defines them) and
// tags (issue 24). Both default to empty so existing rows and the set-based signup and fan-out keep
// working unchanged; the GIN index serves tag filters in segments.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE subscribers ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}'::jsonb`.execute(db);
  await sql`ALTER TABLE subscribers ADD COLUMN tags text[] NOT NULL DEFAULT '{}'::text[]`.execute(db);
  await sql`CREATE INDEX subscribers_tags ON subscribers USING gin (tags)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS subscribers_tags`.execute(db);
  await sql`ALTER TABLE subscribers DROP COLUMN IF EXISTS tags`.execute(db);
  await sql`ALTER TABLE subscribers DROP COLUMN IF EXISTS attributes`.execute(db);
}
