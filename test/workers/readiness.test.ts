// A Worker's requests never wait on the migrator when the schema is current (issue 23, item 13),
// and a database that does not answer gives a 503 that says so, never error 1101 (item 11).
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/postgres.ts';
import worker from '../../src/worker.ts';
import { dbAvailable, vars } from './request-services.ts';

/** Kysely's migration lock (PostgresAdapter): a Worker that runs the migrator waits for it. */
const MIGRATION_LOCK = sql.lit(BigInt('3853314791062309107'));

async function call(path: string, e: unknown = env, headers: Record<string, string> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`https://news.example.test${path}`, { headers }), e as never, ctx);
  const body = await res.text();
  await waitOnExecutionContext(ctx);
  return new Response(body, res);
}

describe.skipIf(!dbAvailable)('a Worker and its database', () => {
  it("answers a new isolate's first request while someone else holds the migration lock", async () => {
    const other = openPostgres(vars.HYPERDRIVE.connectionString, { max: 1 });
    try {
      await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK})`.execute(other.db);
      const res = await Promise.race([call('/healthz'), new Promise<'waited'>((r) => setTimeout(() => r('waited'), 5_000))]);
      expect(res).not.toBe('waited');
      expect((res as Response).status).toBe(200);
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`.execute(other.db);
      await other.close();
    }
  });

  describe('when the database does not answer', () => {
    const down = { ...(env as object), HYPERDRIVE: { connectionString: 'postgres://postgres:postgres@127.0.0.1:1/none' } };

    it('/healthz answers 503 {ok: false, db: "unreachable"}', async () => {
      const res = await call('/healthz', down);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ ok: false, db: 'unreachable' });
      expect(res.headers.get('retry-after')).toBeTruthy();
    });

    it('the API answers its JSON error with code "unavailable"', async () => {
      const res = await call('/api/v1/newsletters', down, { authorization: 'Bearer qk_not_checked_without_a_database' });
      expect(res.status).toBe(503);
      expect((await res.json()).error.code).toBe('unavailable');
    });

    it('a reader gets a styled page in their language, with no operator detail', async () => {
      const res = await call('/n/wk', down, { 'accept-language': 'zh-CN' });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('text/html');
      const html = await res.text();
      expect(html).toContain('此页面暂时无法显示');
      expect(html).toContain('lang="zh-CN"');
      expect(html).not.toMatch(/postgres|database|hyperdrive|127\.0\.0\.1/i);
    });
  });
});
