/**
 * Tests that run inside workerd (the Workers runtime) through @cloudflare/vitest-pool-workers.
 * The Worker talks to a real PostgreSQL through the Hyperdrive binding: a fresh database per run,
 * created here and dropped by test/workers/global-setup.ts.
 */
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import path from 'node:path';
import pg from 'pg';
import { defineConfig } from 'vitest/config';

const base = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function createRunDatabase(): Promise<string | null> {
  const name = `quire_workers_${Date.now().toString(36)}_${process.pid}`;
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
  process.env.QUIRE_WORKERS_TEST_DB = name;
  const url = new URL(base);
  url.pathname = `/${name}`;
  // Hyperdrive insists on a password; a trust-auth server ignores it.
  if (!url.password) url.password = 'postgres';
  return url.toString();
}

const url = await createRunDatabase();

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        hyperdrives: { HYPERDRIVE: url ?? 'postgres://postgres:none@127.0.0.1:1/none' },
        bindings: {
          QUIRE_TEST_DB_AVAILABLE: url ? '1' : '0',
          PUBLIC_URL: 'https://news.example.test',
          SECRET: 'w'.repeat(40),
          LOG_LEVEL: 'warn',
        },
      },
    }),
  ],
  resolve: {
    // pg's optional Cloudflare socket shim and protocol parser resolve to their CommonJS dist files in the pool.
    alias: {
      'pg-protocol': path.resolve('node_modules/pg-protocol/dist/index.js'),
      'pg-cloudflare': path.resolve('node_modules/pg-cloudflare/dist/index.js'),
    },
  },
  test: {
    include: ['test/workers/**/*.test.ts'],
    globalSetup: ['test/workers/global-setup.ts'],
    testTimeout: 30_000,
    reporters: process.env.QUIRE_TEST_REPORT_DIR
      ? ['default', ['json', { outputFile: `${process.env.QUIRE_TEST_REPORT_DIR}/workers.json` }]]
      : ['default'],
  },
});
