/**
 * Tests that run inside workerd (the Workers runtime) through @cloudflare/vitest-pool-workers.
 * The Worker talks to a real PostgreSQL through the Hyperdrive binding: a fresh database per run,
 * created here and dropped by test/workers/global-setup.ts.
 */
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import path from 'node:path';
import pg from 'pg';
import { defineConfig } from 'vitest/config';
import { startFakeResend } from './test/helpers/fake-resend.ts';

const base = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function createRunDatabase(suffix = ''): Promise<string | null> {
  const name = `quire_workers_${Date.now().toString(36)}_${process.pid}${suffix}`;
  const client = new pg.Client({ connectionString: base, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`);
  } catch (e) {
    console.warn(`[quire tests] Workers tests skipped: no PostgreSQL at ${base} (${(e as Error).message})`);
    return null;
  } finally {
    await client.end().catch(() => {});
  }
  process.env.QUIRE_WORKERS_TEST_DB = [process.env.QUIRE_WORKERS_TEST_DB, name].filter(Boolean).join(',');
  const url = new URL(base);
  url.pathname = `/${name}`;
  // Hyperdrive insists on a password; a trust-auth server ignores it.
  if (!url.password) url.password = 'postgres';
  return url.toString();
}

/** What the workerd pipeline test sends: a newsletter, 150 active subscribers, an issue due now. */
async function seed(url: string): Promise<void> {
  const { migrateToLatest } = await import('./src/db/kysely.ts');
  const { openPostgres } = await import('./src/db/postgres.ts');
  const { sql } = await import('kysely');
  const h = openPostgres(url.replace(/:postgres@/, '@'), { max: 1 });
  try {
    await migrateToLatest(h.db);
    await sql`INSERT INTO newsletters (slug, name, from_email) VALUES ('wk', 'Workers brief', 'news@example.org')`.execute(h.db);
    await sql`
      INSERT INTO subscribers (newsletter_id, email, email_normalized, name, status, source)
      SELECT n.id, 'wk' || i || '@example.org', 'wk' || i || '@example.org', NULL, 'active', 'import'
      FROM newsletters n, generate_series(1, 150) AS i WHERE n.slug = 'wk'`.execute(h.db);
    const content = JSON.stringify({
      title: 'Workers issue',
      language: 'en',
      sections: [{ title: 'News', articles: [{ title: 'A', body: 'Hello', sources: [] }] }],
      footer: {},
    });
    await sql`
      INSERT INTO issues (newsletter_id, number, title, status, content, send_at)
      SELECT id, 1, 'Workers issue', 'scheduled', ${content}::jsonb, now() - interval '1 minute' FROM newsletters WHERE slug = 'wk'`.execute(h.db);
  } finally {
    await h.close();
  }
}

// Miniflare's local Hyperdrive proxy lives in this process; a connection workerd drops while
// shutting down a test file surfaces here as an unhandled ECONNRESET and would end the whole run.
process.on('uncaughtException', (e: NodeJS.ErrnoException) => {
  if (e.code === 'ECONNRESET') {
    console.warn('[quire tests] ignored a connection reset from the local Hyperdrive proxy');
    return;
  }
  throw e;
});

const url = await createRunDatabase();
if (url) await seed(url);
// An empty database (no schema, no user) for the first-run test: the Worker connects to it
// directly (DATABASE_URL), as a deployment without Hyperdrive would.
const freshUrl = url ? await createRunDatabase('_fresh') : null;
// The provider the Worker sends to, on loopback; it lives as long as this vitest process.
const fakeResend = await startFakeResend({ unref: true });

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        hyperdrives: { HYPERDRIVE: url ?? 'postgres://postgres:none@127.0.0.1:1/none' },
        bindings: {
          QUIRE_TEST_DB_AVAILABLE: url ? '1' : '0',
          QUIRE_TEST_FRESH_DB_URL: freshUrl ?? '',
          PUBLIC_URL: 'https://news.example.test',
          SECRET: 'w'.repeat(40),
          LOG_LEVEL: 'warn',
          RESEND_API_KEY: 're_workers_test',
          RESEND_BASE_URL: fakeResend.url,
          RESEND_RATE_PER_SECOND: '10000',
        },
      },
    }),
  ],
  resolve: {
    // pg's optional Cloudflare socket shim and protocol parser resolve to their CommonJS dist files in the pool.
    alias: {
      // As in wrangler.toml: MJML's Node build needs a file system; the browser build runs in workerd.
      mjml: 'mjml-browser',
      'pg-protocol': path.resolve('node_modules/pg-protocol/dist/index.js'),
      'pg-cloudflare': path.resolve('node_modules/pg-cloudflare/dist/index.js'),
    },
  },
  test: {
    include: ['test/workers/**/*.test.ts'],
    // mjml-browser pulls in ESM packages with extensionless imports (css-what) that workerd's
    // module loader cannot resolve one by one: pre-bundle it.
    deps: { optimizer: { ssr: { enabled: true, include: ['mjml-browser'] } } },
    globalSetup: ['test/workers/global-setup.ts'],
    testTimeout: 30_000,
    reporters: process.env.QUIRE_TEST_REPORT_DIR ? ['default', ['json', { outputFile: `${process.env.QUIRE_TEST_REPORT_DIR}/workers.json` }]] : ['default'],
  },
});
