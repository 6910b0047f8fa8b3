/**
 * The migration registry. Migrations are imported statically (the Worker bundle has no file
 * system). Add new files at the end; never edit one that has landed.
 */
import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.ts';

export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
};
