/**
 * Query plans of the dashboard and the issue stats pages: runs each service call once through a
 * Kysely that records every statement, then runs each recorded statement again under
 * EXPLAIN (ANALYZE, BUFFERS) and writes the plans as Markdown (PostgreSQL only). The events
 * scenario calls it at BENCH_SCALE=1m, which gives bench/plans-1m.md.
 */
import fs from 'node:fs';
import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import type { Database } from '../src/db/schema.ts';
import { AdminRepository } from '../src/modules/admin/repository.ts';
import type { Services } from '../src/services.ts';

export interface PlanCase {
  title: string;
  /** Runs the service call against `s` (bound to the recording database). */
  run: (s: Services, admin: AdminRepository) => Promise<unknown>;
}

/** Each case's statements with their plans. `services` builds the services on a given Kysely. */
export async function writePlans(o: {
  url: string;
  file: string;
  heading: string;
  services: (db: Kysely<Database>) => Services;
  cases: PlanCase[];
  /** Extra statements to show as they are (e.g. what a query replaced), with their parameters. */
  raw?: { title: string; sql: string; parameters: unknown[] }[];
}): Promise<void> {
  const recorded: CompiledQuery[] = [];
  const pool = new pg.Pool({ connectionString: o.url, max: 2 });
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: (e) => {
      if (e.level === 'query') recorded.push(e.query);
    },
  });
  const s = o.services(db);
  const admin = new AdminRepository(db);
  const out: string[] = [o.heading, ''];
  const client = await pool.connect();
  const explain = async (text: string, parameters: readonly unknown[]) => {
    // Warm once (plans below are of a warm cache, as the benchmark's p50/p95 are).
    await client.query(text, parameters as unknown[]);
    const r = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, parameters as unknown[]);
    return r.rows.map((x: Record<string, string>) => x['QUERY PLAN']).join('\n');
  };
  const show = (v: unknown) => (v instanceof Date ? v.toISOString() : typeof v === 'string' && v.length > 60 ? `${v.slice(0, 57)}…` : JSON.stringify(v));
  try {
    for (const c of o.cases) {
      recorded.length = 0;
      await c.run(s, admin);
      const queries = [...recorded];
      out.push(`## ${c.title}`, '', `${queries.length} statement${queries.length === 1 ? '' : 's'}.`, '');
      for (const [i, q] of queries.entries()) {
        const text = q.sql.replace('/* quire:prepared */', '').trim();
        out.push(`### ${i + 1}. \`${text.replace(/\s+/g, ' ').slice(0, 110)}${text.length > 110 ? '…' : ''}\``, '');
        out.push(
          '```sql',
          text.replace(/^\s+/gm, (m) => m.replace(/ {6}/, '')),
          '```',
        );
        if (q.parameters.length) out.push(`Parameters: ${q.parameters.map(show).join(', ')}`, '');
        out.push('```', await explain(text, q.parameters), '```', '');
      }
    }
    for (const r of o.raw ?? []) {
      out.push(
        `## ${r.title}`,
        '',
        '```sql',
        r.sql.trim(),
        '```',
        `Parameters: ${r.parameters.map(show).join(', ')}`,
        '',
        '```',
        await explain(r.sql, r.parameters),
        '```',
        '',
      );
    }
  } finally {
    client.release();
    await db.destroy();
  }
  fs.writeFileSync(o.file, out.join('\n'));
}
