import { sql, type Kysely } from 'kysely';

// Two foreign keys become one check per statement: subscribers.newsletter_id and
// subscriber_events.subscriber_id.
//
// PostgreSQL checks a foreign key row by row: for every inserted row it starts, runs and ends a
// lookup plan of its own (`SELECT 1 FROM <parent> WHERE id = $1 FOR KEY SHARE`). An import chunk
// inserts 1 000 subscribers and their 1 000 consent events in one statement; those 2 000 lookups
// were about a fifth of the database's CPU for the chunk (perf, 100 000-row import), and a signup
// group paid two per signup.
//
// Statement triggers now check a statement's new rows at once, and refuse it as the keys did
// (SQLSTATE 23503, same message, nothing written):
// - subscribers: each distinct newsletter of the statement is looked up and locked FOR KEY SHARE,
//   as the key locked it for each row, so a newsletter deleted meanwhile waits or fails as before;
//   deleting a newsletter deletes its subscribers (the key's ON DELETE CASCADE), and a newsletter's
//   id cannot change while subscribers point at it;
// - subscriber_events: one primary-key probe per event inside one plan. The subscriber is not
//   locked: subscribers are never deleted (erasure blanks the row), and deleting one that has
//   events stays refused, because its events are deleted with it as the cascade did, which their
//   append-only trigger (0002) refuses.
// A parent inserted earlier in the same statement is found, as with the keys.

const raiseMissing = (table: string, constraint: string, column: string, parent: string, value: string) => `
      RAISE EXCEPTION 'insert or update on table "${table}" violates foreign key constraint "${constraint}"'
        USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (${column})=(%s) is not present in table "${parent}".', ${value}),
              TABLE = '${table}', CONSTRAINT = '${constraint}';`;

/** ON DELETE CASCADE: a statement trigger on the parent deletes the children of its deleted rows. */
const cascade = (fn: string, child: string, column: string) => `
  CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    DELETE FROM ${child} c USING old_rows o WHERE c.${column} = o.id;
    RETURN NULL;
  END $$`;

const functions = [
  `CREATE FUNCTION subscribers_newsletter_exists() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    nid integer;
  BEGIN
    FOR nid IN SELECT DISTINCT newsletter_id FROM new_rows LOOP
      PERFORM 1 FROM newsletters WHERE id = nid FOR KEY SHARE;
      IF NOT FOUND THEN${raiseMissing('subscribers', 'subscribers_newsletter_id_fkey', 'newsletter_id', 'newsletters', 'nid')}
      END IF;
    END LOOP;
    RETURN NULL;
  END $$`,
  // Nothing in Quire moves a subscriber to another newsletter; the key would have checked it.
  `CREATE FUNCTION subscribers_newsletter_moved() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM 1 FROM newsletters WHERE id = NEW.newsletter_id FOR KEY SHARE;
    IF NOT FOUND THEN${raiseMissing('subscribers', 'subscribers_newsletter_id_fkey', 'newsletter_id', 'newsletters', 'NEW.newsletter_id')}
    END IF;
    RETURN NULL;
  END $$`,
  cascade('newsletters_delete_subscribers', 'subscribers', 'newsletter_id'),
  `CREATE FUNCTION newsletters_id_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM subscribers WHERE newsletter_id = OLD.id) THEN
      RAISE EXCEPTION 'update or delete on table "newsletters" violates foreign key constraint "subscribers_newsletter_id_fkey" on table "subscribers"'
        USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (id)=(%s) is still referenced from table "subscribers".', OLD.id),
              TABLE = 'subscribers', CONSTRAINT = 'subscribers_newsletter_id_fkey';
    END IF;
    RETURN NULL;
  END $$`,
  `CREATE FUNCTION subscriber_events_subscriber_exists() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    missing bigint;
  BEGIN
    -- LIMIT 1 inside keeps each lookup a primary-key probe: as an anti-join the planner could hash
    -- the whole subscribers table for a large statement.
    SELECT n.subscriber_id INTO missing FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM (SELECT 1 FROM subscribers s WHERE s.id = n.subscriber_id LIMIT 1) x)
    LIMIT 1;
    IF FOUND THEN${raiseMissing('subscriber_events', 'subscriber_events_subscriber_id_fkey', 'subscriber_id', 'subscribers', 'missing')}
    END IF;
    RETURN NULL;
  END $$`,
  cascade('subscribers_delete_events', 'subscriber_events', 'subscriber_id'),
];

const triggers = [
  `CREATE TRIGGER subscribers_newsletter_exists AFTER INSERT ON subscribers
   REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION subscribers_newsletter_exists()`,
  `CREATE TRIGGER subscribers_newsletter_moved AFTER UPDATE OF newsletter_id ON subscribers
   FOR EACH ROW WHEN (NEW.newsletter_id IS DISTINCT FROM OLD.newsletter_id) EXECUTE FUNCTION subscribers_newsletter_moved()`,
  `CREATE TRIGGER newsletters_delete_subscribers AFTER DELETE ON newsletters
   REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION newsletters_delete_subscribers()`,
  `CREATE TRIGGER newsletters_id_referenced AFTER UPDATE OF id ON newsletters
   FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id) EXECUTE FUNCTION newsletters_id_referenced()`,
  `CREATE TRIGGER subscriber_events_subscriber_exists AFTER INSERT ON subscriber_events
   REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION subscriber_events_subscriber_exists()`,
  `CREATE TRIGGER subscribers_delete_events AFTER DELETE ON subscribers
   REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION subscribers_delete_events()`,
];

const dropped: [table: string, trigger: string, fn: string][] = [
  ['subscribers', 'subscribers_delete_events', 'subscribers_delete_events'],
  ['subscriber_events', 'subscriber_events_subscriber_exists', 'subscriber_events_subscriber_exists'],
  ['newsletters', 'newsletters_id_referenced', 'newsletters_id_referenced'],
  ['newsletters', 'newsletters_delete_subscribers', 'newsletters_delete_subscribers'],
  ['subscribers', 'subscribers_newsletter_moved', 'subscribers_newsletter_moved'],
  ['subscribers', 'subscribers_newsletter_exists', 'subscribers_newsletter_exists'],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE subscriber_events DROP CONSTRAINT subscriber_events_subscriber_id_fkey`.execute(db);
  await sql`ALTER TABLE subscribers DROP CONSTRAINT subscribers_newsletter_id_fkey`.execute(db);
  for (const f of functions) await sql.raw(f).execute(db);
  for (const t of triggers) await sql.raw(t).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [table, trigger, fn] of dropped) {
    await sql.raw(`DROP TRIGGER IF EXISTS ${trigger} ON ${table}`).execute(db);
    await sql.raw(`DROP FUNCTION IF EXISTS ${fn}()`).execute(db);
  }
  await sql`
    ALTER TABLE subscribers ADD CONSTRAINT subscribers_newsletter_id_fkey
    FOREIGN KEY (newsletter_id) REFERENCES newsletters (id) ON DELETE CASCADE`.execute(db);
  await sql`
    ALTER TABLE subscriber_events ADD CONSTRAINT subscriber_events_subscriber_id_fkey
    FOREIGN KEY (subscriber_id) REFERENCES subscribers (id) ON DELETE CASCADE`.execute(db);
}
