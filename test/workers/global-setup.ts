// Runs in Node around the workerd tests: drops the databases vitest.workers.config.ts created.
import pg from 'pg';

export default function setup() {
  return async function teardown() {
    const names = (process.env.QUIRE_WORKERS_TEST_DB ?? '').split(',').filter(Boolean);
    if (!names.length) return;
    const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
    await client.connect();
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.end();
  };
}
