// Node only: everything a Node process (server or CLI) needs, wired from the config.
import type { Config } from '../config.ts';
import { migrateToLatest } from '../db/kysely.ts';
import { DbJobQueue } from '../jobs/db-queue.ts';
import { JobsRepository } from '../jobs/repository.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import { createLogger, type Logger } from '../lib/log.ts';
import type { Services } from '../services.ts';
import { buildServices } from './build.ts';
import type { ProcessCaches } from './caches.ts';
import { openNodeDatabase } from './node-db.ts';
import { nodeHttpPost } from './node-http.ts';

export interface NodeRuntime {
  services: Services;
  close(): Promise<void>;
}

export async function startNodeRuntime(
  config: Config,
  role: 'server' | 'cli',
  opts: { caches: ProcessCaches; log?: Logger; clock?: Clock; onEnqueue?: () => void },
): Promise<NodeRuntime> {
  const handle = await openNodeDatabase(config, role);
  try {
    await migrateToLatest(handle.db);
    // PGlite is held exclusively (lock file): jobs leased by a process that died are free again now.
    if (handle.kind === 'pglite') await new JobsRepository(handle.db).releaseAllLeases();
    const clock = opts.clock ?? systemClock;
    const services = await buildServices({
      config,
      db: handle,
      clock,
      log: opts.log ?? createLogger(config.logLevel),
      queue: (repos) => new DbJobQueue(repos.jobs, clock, opts.onEnqueue),
      caches: opts.caches,
      httpPost: nodeHttpPost,
    });
    return { services, close: () => handle.close() };
  } catch (e) {
    await handle.close();
    throw e;
  }
}
