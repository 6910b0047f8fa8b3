// Node only: the embedded database. Not imported by the Worker entry.
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { Database } from './schema.ts';
import type { DbHandle } from './kysely.ts';

/** Opens PGlite stored in `dir`, or in memory when `dir` is undefined (tests). */
export async function openPglite(dir?: string, opts: { onQuery?: (ms: number) => void } = {}): Promise<DbHandle> {
  const pglite = dir ? await PGlite.create(dir) : await PGlite.create();
  const onQuery = opts.onQuery;
  const db = new Kysely<Database>({
    dialect: new PGliteDialect(pglite),
    ...(onQuery ? { log: (e: { queryDurationMillis: number }) => onQuery(e.queryDurationMillis) } : {}),
  });
  return { db, kind: 'pglite', close: () => db.destroy() };
}
