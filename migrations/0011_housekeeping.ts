import { sql, type Kysely } from 'kysely';

// Retention (the hourly housekeeping job): finished jobs and old raw webhook payloads are deleted
// by age, in chunks. These indexes let each chunk find its rows without reading the whole table.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX webhook_events_received ON webhook_events (received_at)`.execute(db);
  await sql`CREATE INDEX jobs_finished ON jobs (coalesce(done_at, failed_at)) WHERE done_at IS NOT NULL OR failed_at IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS jobs_finished`.execute(db);
  await sql`DROP INDEX IF EXISTS webhook_events_received`.execute(db);
}
