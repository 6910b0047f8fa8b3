import { sql, type Kysely } from 'kysely';
import { up as createSignupFunction } from './0015_signup_function.ts';

// The signup group no longer calls `quire_signup` once per signup: SubscribersRepository's group
// statement now does the whole group set-based (one insert, one event insert, one job insert, and
// the statement triggers once per group instead of once per signup), with the same semantics. The
// function is unused; dropping it keeps the schema honest.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS quire_signup(integer, text, text, text, text, text, text, text, timestamptz, timestamptz, text, text, bigint, text, bigint, timestamptz, text, text)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await createSignupFunction(db);
}
