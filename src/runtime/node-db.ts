// Node only: opens the configured database. PostgreSQL when DATABASE_URL is set, else the
// embedded PGlite in DATA_DIR/db, guarded by a lock file so two processes never share it.
import path from 'node:path';
import type { Config } from '../config.ts';
import type { DbHandle } from '../db/kysely.ts';
import { lockDataDir } from '../db/lock.ts';
import { openPglite } from '../db/pglite.ts';
import { openPostgres } from '../db/postgres.ts';

export async function openNodeDatabase(config: Config, role: 'server' | 'cli'): Promise<DbHandle> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
  const dir = path.resolve(config.dataDir);
  const release = lockDataDir(dir, role);
  try {
    const handle = await openPglite(path.join(dir, 'db'));
    return {
      ...handle,
      close: async () => {
        try {
          await handle.close();
        } finally {
          release();
        }
      },
    };
  } catch (e) {
    release();
    throw e;
  }
}
