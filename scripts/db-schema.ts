/**
 * Writes src/db/schema.sql: the schema the migrations produce, described from the catalog of a
 * fresh in-memory PGlite (see src/db/describe-schema.ts). Run it after adding a migration and
 * commit the file with the migration: test/integration/schema-snapshot.test.ts fails until then.
 * Usage: npm run db:schema (npx tsx scripts/db-schema.ts)
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describeSchema } from '../src/db/describe-schema.ts';
import { migrateToLatest } from '../src/db/kysely.ts';
import { openPglite } from '../src/db/pglite.ts';

const SCHEMA_SQL = fileURLToPath(new URL('../src/db/schema.sql', import.meta.url));

async function main(): Promise<void> {
  const handle = await openPglite();
  let text: string;
  try {
    const applied = await migrateToLatest(handle.db);
    text = await describeSchema(handle.db, 'public');
    console.log(`${applied.length} migrations applied (last: ${applied.at(-1) ?? 'none'})`);
  } finally {
    await handle.close();
  }
  const before = await readFile(SCHEMA_SQL, 'utf8').catch(() => null);
  if (before === text) {
    console.log('src/db/schema.sql is up to date');
    return;
  }
  await writeFile(SCHEMA_SQL, text);
  console.log(`src/db/schema.sql ${before === null ? 'written' : 'updated'} (${text.split('\n').length - 1} lines)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
