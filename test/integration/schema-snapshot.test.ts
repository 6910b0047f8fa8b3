/**
 * The committed description of the schema (src/db/schema.sql, written by `npm run db:schema`) and
 * the hand-kept Kysely types (src/db/schema.ts) both agree with what the migrations actually
 * build, on PGlite and on PostgreSQL. A missing file fails the test; nothing here is skipped.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSchema, tableColumns } from '../../src/db/describe-schema.ts';
import { dbKinds, openTestDb, type TestDb } from '../helpers/db.ts';

const SCHEMA_SQL = fileURLToPath(new URL('../../src/db/schema.sql', import.meta.url));
const SCHEMA_TS = fileURLToPath(new URL('../../src/db/schema.ts', import.meta.url));

const REGENERATE = 'If you added or changed a migration, run `npm run db:schema` and commit src/db/schema.sql with it (never edit that file by hand).';

/** A committed file's text; a missing file fails the test (with `hint`), it never skips it. */
function readCommitted(path: string, hint: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${path} cannot be read (${(err as Error).message}). ${hint}`);
  }
}

/** Where two texts differ: the lines between their common beginning and their common end (the texts are long). */
function difference(committed: string, actual: string, max = 20): string {
  const a = committed.split('\n');
  const b = actual.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  const block = (lines: string[], sign: string) => {
    const shown = lines.slice(0, max).map((l) => `${sign} ${l}`);
    if (lines.length > max) shown.push(`${sign} … ${lines.length - max} more lines`);
    return shown;
  };
  return [
    `from line ${start + 1} of src/db/schema.sql ("-": in the file, "+": in the database):`,
    ...block(a.slice(start, a.length - end), '-'),
    ...block(b.slice(start, b.length - end), '+'),
  ].join('\n');
}

/**
 * The tables src/db/schema.ts declares: each property of its `Database` interface, with the
 * property names of that property's type (the table interface, followed through aliases such as
 * `SubscriberGrowthDailyTable = SubscriberGrowthTable`), read with the TypeScript type checker.
 */
let declared: Map<string, string[]> | undefined;
function declaredTables(): Map<string, string[]> {
  if (declared) return declared;
  readCommitted(SCHEMA_TS, 'It holds the Kysely table types (`interface Database`) that this test checks.');
  // Only this one file: the table and column names are all in it. Without lib files and imports
  // the checker still knows every property name, in a fraction of the time a full program takes.
  const program = ts.createProgram([SCHEMA_TS], { noLib: true, noResolve: true, types: [], allowImportingTsExtensions: true, noEmit: true });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(SCHEMA_TS)!;
  const database = file.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'Database');
  if (!database) throw new Error(`${SCHEMA_TS} has no \`interface Database\``);
  const tables = new Map<string, string[]>();
  for (const table of checker.getPropertiesOfType(checker.getTypeAtLocation(database.name))) {
    const type = checker.getTypeOfSymbolAtLocation(table, database);
    const columns = checker.getPropertiesOfType(type).map((c) => c.name);
    if (columns.length === 0)
      throw new Error(`schema.ts: Database.${table.name} has a type whose properties the test cannot see (${checker.typeToString(type)})`);
    tables.set(table.name, columns);
  }
  declared = tables;
  return tables;
}

describe.each(dbKinds)('schema snapshot (%s)', (kind) => {
  let db: TestDb;

  beforeAll(async () => {
    db = await openTestDb(kind);
  });
  afterAll(() => db?.destroy());

  it('src/db/schema.sql describes the migrated database', async () => {
    const committed = readCommitted(SCHEMA_SQL, 'The schema snapshot is missing: run `npm run db:schema` to write it, and commit it.');
    const actual = await describeSchema(db.db, db.schema ?? 'public');
    if (actual !== committed) {
      expect.fail(`src/db/schema.sql does not match the database the migrations build (${kind}). ${REGENERATE}\n${difference(committed, actual)}`);
    }
  });

  it('src/db/schema.ts declares exactly the tables and columns of the migrated database', async () => {
    const inDb = await tableColumns(db.db, db.schema ?? 'public');
    const inTs = declaredTables();
    const problems: string[] = [];
    for (const [table, columns] of inDb) {
      const typed = inTs.get(table);
      if (!typed) {
        problems.push(`table ${table} is missing from Database`);
        continue;
      }
      const missing = columns.filter((c) => !typed.includes(c));
      const extra = typed.filter((c) => !columns.includes(c));
      if (missing.length) problems.push(`${table}: columns missing from its type: ${missing.join(', ')}`);
      if (extra.length) problems.push(`${table}: its type has columns the table does not: ${extra.join(', ')}`);
    }
    for (const table of inTs.keys()) if (!inDb.has(table)) problems.push(`Database.${table}: no such table in the migrated database`);
    expect(inDb.size, 'the migrated database has no tables: is the schema name right?').toBeGreaterThan(0);
    expect(problems, `src/db/schema.ts has drifted from the migrations (${kind}); fix its types to match`).toEqual([]);
  });
});
