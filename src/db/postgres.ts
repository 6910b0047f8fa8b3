import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { PREPARED, type DbHandle } from './kysely.ts';

/** Statement text → prepared statement name, the same on every connection of the process. */
const preparedNames = new Map<string, string>();

/**
 * The pool Kysely sees: statements that start with PREPARED go out as named prepared statements
 * (pg parses and plans them once per connection and reuses the plan); everything else as before.
 */
function preparingPool(pool: pg.Pool): PostgresPool {
  const wrap = (client: pg.PoolClient): PostgresPoolClient =>
    ({
      query(text: unknown, values?: readonly unknown[]) {
        if (typeof text === 'string' && text.startsWith(PREPARED)) {
          let name = preparedNames.get(text);
          if (!name) preparedNames.set(text, (name = `quire_${preparedNames.size + 1}`));
          return client.query({ name, text, values: [...(values ?? [])] });
        }
        // plain statements, and cursors (streaming), exactly as Kysely sends them
        return (client.query as (t: unknown, v?: unknown) => unknown)(text, values);
      },
      release: () => client.release(),
    }) as unknown as PostgresPoolClient;
  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}

export interface PostgresOptions {
  /** Pool size; on Workers one connection per request is right. */
  max?: number;
  /** Extra startup options, e.g. `-c search_path=test_abc` for isolated test schemas. */
  options?: string;
  /**
   * Send statements marked PREPARED as named prepared statements (see preparingPool). Default: when
   * the pool keeps connections (max > 1); one connection per request (Workers, through Hyperdrive)
   * would prepare on every request and gain nothing.
   */
  preparedStatements?: boolean;
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
    dialect: new PostgresDialect({ pool: (opts.preparedStatements ?? (opts.max ?? 10) > 1) ? preparingPool(pool) : pool }),
    ...(onQuery ? { log: (e: { queryDurationMillis: number }) => onQuery(e.queryDurationMillis) } : {}),
  });
  return { db, kind: 'postgres', close: () => db.destroy() };
}
