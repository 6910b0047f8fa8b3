// For workerd tests: services built the way worker.ts builds them for one request.
import { env } from 'cloudflare:test';
import { parseConfig } from '../../src/config.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { unboundJobQueue } from '../../src/jobs/cloudflare-queue.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { buildServices } from '../../src/runtime/build.ts';
import type { ProcessCaches } from '../../src/runtime/caches.ts';
import type { Services } from '../../src/services.ts';

export const vars = env as unknown as Record<string, string> & { HYPERDRIVE: { connectionString: string } };
export const dbAvailable = vars.QUIRE_TEST_DB_AVAILABLE === '1';

/** A fresh connection, services built over it with `caches`, closed after `fn`. */
export async function withRequestServices<T>(caches: ProcessCaches, fn: (s: Services) => Promise<T>): Promise<T> {
  const strings = Object.fromEntries(Object.entries(vars).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const config = parseConfig(strings, { trustProxy: 'cloudflare' });
  const handle = openPostgres(vars.HYPERDRIVE.connectionString, { max: 1 });
  try {
    return await fn(await buildServices({ config, db: handle, clock: systemClock, log: silentLogger, queue: unboundJobQueue, caches }));
  } finally {
    await handle.close();
  }
}
