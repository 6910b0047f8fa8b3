import { sql, type Kysely } from 'kysely';

// Provider pacing remembers the slot it handed out last (see SendingRepository.reserveSlot): a
// request that finds the pacer idle goes at once, and the slot after it is held back a little
// longer, because the first request after a pause travels on a new connection and reaches the
// provider late, which would otherwise put the next one inside the provider's one-second window.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE provider_pacing ADD COLUMN last_slot timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE provider_pacing DROP COLUMN IF EXISTS last_slot`.execute(db);
}
