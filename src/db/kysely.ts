import { type Kysely, Migrator, sql, type Compilable, type MigrationProvider, type Migration } from 'kysely';
import type { Database } from './schema.ts';
import { migrations } from '../../migrations/index.ts';

export type Db = Kysely<Database>;
export type DbKind = 'pglite' | 'postgres';

/**
 * Starts a statement that runs often and costs more to plan than to execute (the signup's
 * one-statement CTE): the PostgreSQL driver sends it as a named prepared statement, parsed and
 * planned once per connection. Elsewhere it is only a comment.
 */
export const PREPARED = '/* quire:prepared */';

/**
 * Runs a query built with Kysely's builder as a PREPARED statement. Only for statements whose
 * plan does not depend on the values (key lookups): the plan is made once, for any values.
 */
export async function executePrepared<R>(db: Db, query: Compilable<R>): Promise<R[]> {
  const c = query.compile();
  return (await db.executeQuery<R>({ ...c, sql: `${PREPARED} ${c.sql}` })).rows;
}

/**
 * A WHERE condition that is always true and makes the statement's own transaction commit without
 * waiting for its WAL flush (`synchronous_commit = off`, local to that transaction). Only for
 * writes whose loss in a database-server crash is repaired by running them again: the send
 * pipeline's claims and ledger updates (a re-run resends the same recipients under the same
 * idempotency key) and job bookkeeping (jobs are idempotent). A crash of the server loses at most
 * the last few hundred milliseconds of such commits; a crash of Quire loses nothing more than
 * before. At 1 000 batches per 100 000 emails, the flush waits were most of the send's database time.
 */
export const ASYNC_COMMIT = sql`(SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL`;

/** A database handle plus what the app needs to know about it. */
export interface DbHandle {
  db: Db;
  kind: DbKind;
  close(): Promise<void>;
}

const staticProvider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  },
};

/** The migrator over this project's migrations (see migrateToLatest for `schema`). */
export function quireMigrator(db: Db, schema?: string): Migrator {
  // Unordered: a migration numbered before one already applied (parallel branches) still runs.
  return new Migrator({ db, provider: staticProvider, allowUnorderedMigrations: true, ...(schema ? { migrationTableSchema: schema } : {}) });
}

/**
 * Runs every pending migration; throws with the failing migration's name. `schema` names where
 * Kysely keeps its bookkeeping tables when the connection uses a non-default search_path (tests):
 * its existence check looks across schemas and would otherwise find another schema's tables.
 */
export async function migrateToLatest(db: Db, schema?: string): Promise<string[]> {
  const migrator = quireMigrator(db, schema);
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    // Before it runs anything, the migrator looks for its tables by listing every schema's tables
    // with has_schema_privilege(name): a schema dropped by someone else at that instant (parallel
    // test files do) fails the listing with `schema "…" does not exist`. Nothing ran yet: try again.
    const raced = error && !failed && /schema ".+" does not exist/.test(error instanceof Error ? error.message : String(error));
    if (raced && attempt < 5) continue;
    if (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${why}`.replace('  ', ' '));
    }
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }
}

/**
 * Whether every migration this build knows has been applied: one cheap read of Kysely's
 * bookkeeping table (missing table: not current). Lets a Worker skip the migrator — and its lock —
 * on every request once the schema is up to date.
 */
export async function schemaIsCurrent(db: Db): Promise<boolean> {
  try {
    const rows = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db);
    const applied = new Set(rows.rows.map((r) => r.name));
    return Object.keys(migrations).every((name) => applied.has(name));
  } catch (e) {
    if (/relation "kysely_migration" does not exist/.test(e instanceof Error ? e.message : String(e))) return false;
    throw e;
  }
}
