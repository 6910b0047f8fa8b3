import { sql, type Kysely } from 'kysely';

// The fields a newsletter defines for its subscribers' attributes (issue 24): a key (what the
// attributes JSON and the API use), a label in each language, a type that import and API values
// are checked against (text, number, date as ISO YYYY-MM-DD, choice within `choices`), and the
// order the admin shows them in. A CSV column mapped to a key not defined yet creates it as text.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE subscriber_fields (
      newsletter_id integer NOT NULL REFERENCES newsletters(id) ON DELETE CASCADE,
      key text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
      labels jsonb NOT NULL DEFAULT '{}'::jsonb,
      type text NOT NULL DEFAULT 'text' CHECK (type IN ('text', 'number', 'date', 'choice')),
      choices jsonb NOT NULL DEFAULT '[]'::jsonb,
      position integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (newsletter_id, key)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS subscriber_fields`.execute(db);
}
