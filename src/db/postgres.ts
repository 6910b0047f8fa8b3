import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import type { DbHandle } from './kysely.ts';

export interface PostgresOptions {
  /** Pool size; on Workers one connection per request is right. */
  max?: number;
  /** Extra startup options, e.g. `-c search_path=test_abc` for isolated test schemas. */
  options?: string;
  /** Called with each query's duration (benchmarks count time spent in the database). */
  onQuery?: (ms: number) => void;
}

export function openPostgres(connectionString: string, opts: PostgresOptions = {}): DbHandle {
  const pool = new pg.Pool({
    connectionString,
    max: opts.max ?? 10,
    ...(opts.options ? { options: opts.options } : {}),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const onQuery = opts.onQuery;
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    ...(onQuery ? { log: (e: { queryDurationMillis: number }) => onQuery(e.queryDurationMillis) } : {}),
  });
  return { db, kind: 'postgres', close: () => db.destroy() };
}
