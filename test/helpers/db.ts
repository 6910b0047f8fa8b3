/**
 * Test databases: PGlite in memory always; PostgreSQL too when TEST_DATABASE_URL is set, each
 * test file in a fresh schema of its own so parallel runs never collide.
 */
import pg from 'pg';
import { migrateToLatest, type DbHandle, type DbKind } from '../../src/db/kysely.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

/** The databases every integration suite runs on: `describe.each(dbKinds)`. */
export const dbKinds: DbKind[] = TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
if (!TEST_DATABASE_URL && !process.env.QUIRE_QUIET_SKIPS) {
  console.warn('[quire tests] TEST_DATABASE_URL is not set: integration tests run on PGlite only.');
}

export interface TestDb extends DbHandle {
  /** PostgreSQL: the test's own schema (what migrateToLatest / quireMigrator need as `schema`). */
  schema?: string;
  /** Drops what the test created (the schema on PostgreSQL) and closes. */
  destroy(): Promise<void>;
}

export async function openTestDb(kind: DbKind, opts: { migrate?: boolean } = {}): Promise<TestDb> {
  let handle: DbHandle;
  let schema: string | undefined;
  let drop = async () => {};
  if (kind === 'pglite') {
    handle = await openPglite();
  } else {
    if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set');
    schema = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    handle = openPostgres(TEST_DATABASE_URL, { max: 10, options: `-c search_path=${schema}` });
    drop = async () => {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    };
  }
  if (opts.migrate !== false) await migrateToLatest(handle.db, schema);
  return {
    ...handle,
    ...(schema ? { schema } : {}),
    destroy: async () => {
      await handle.close();
      await drop();
    },
  };
}
