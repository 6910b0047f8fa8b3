/**
 * The real past issues of the SPP brief (test/fixtures/seeds/), for the importer and renderer
 * tests. They are part of the repository: a missing seed fails the test that needs it, never skips it.
 */
import fs from 'node:fs';
import path from 'node:path';

export const SEEDS_DIR = path.resolve(import.meta.dirname, '../fixtures/seeds');

/** The seed file names, sorted; throws when the folder is missing or empty. */
export function seedFiles(): string[] {
  const files = fs.existsSync(SEEDS_DIR)
    ? fs
        .readdirSync(SEEDS_DIR)
        .filter((f) => f.endsWith('.txt'))
        .sort()
    : [];
  if (files.length === 0) throw new Error(`No seed issues in ${SEEDS_DIR}: they are part of the repository (test/fixtures/seeds/*.txt)`);
  return files;
}

/** The text of the seed whose name starts with `prefix` (e.g. "002"); throws when there is none. */
export function seed(prefix: string): string {
  const file = seedFiles().find((f) => f.startsWith(prefix));
  if (!file) throw new Error(`No seed issue ${prefix}* in ${SEEDS_DIR}`);
  return fs.readFileSync(path.join(SEEDS_DIR, file), 'utf8');
}

export const seedPath = (file: string) => path.join(SEEDS_DIR, file);
