import { sql, type Kysely } from 'kysely';

// Audiences (issue 24): saved segments, topics inside a newsletter, and who an issue goes to.
// - `segments.definition` is a filter `{match, conditions}` validated and compiled to SQL by
//   src/modules/segments (never string-built from input).
// - `topics`: a newsletter's topics ("Events", "SPP news"); `subscriber_topics` holds a
//   subscriber's choice per topic (`subscribed` true or false). No row for a topic means the
//   subscriber never chose: they get it (as a new topic reaches everyone who did not opt out).
//   Rows go with their subscriber or topic (cascade) and erasure deletes them.
// - `issues.audience`: who the send is for, snapshotted when it is scheduled (the segment's name
//   and definition, the topics), so the fan-out sends what was confirmed and the stats still say
//   which segment after the segment is renamed or deleted. NULL: the whole list.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE segments (
    id serial PRIMARY KEY,
    newsletter_id integer NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
    name text NOT NULL,
    definition jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE UNIQUE INDEX segments_name ON segments (newsletter_id, lower(name))`.execute(db);
  await sql`CREATE TABLE topics (
    id serial PRIMARY KEY,
    newsletter_id integer NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
    key text NOT NULL,
    name text NOT NULL,
    position integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (newsletter_id, key)
  )`.execute(db);
  await sql`CREATE TABLE subscriber_topics (
    subscriber_id bigint NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    topic_id integer NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    subscribed boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subscriber_id, topic_id)
  )`.execute(db);
  await sql`CREATE INDEX subscriber_topics_topic ON subscriber_topics (topic_id, subscriber_id) WHERE NOT subscribed`.execute(db);
  await sql`ALTER TABLE issues ADD COLUMN audience jsonb`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE issues DROP COLUMN IF EXISTS audience`.execute(db);
  await sql`DROP TABLE IF EXISTS subscriber_topics`.execute(db);
  await sql`DROP TABLE IF EXISTS topics`.execute(db);
  await sql`DROP TABLE IF EXISTS segments`.execute(db);
}
