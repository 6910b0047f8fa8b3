// Node only: everything a Node process (server or CLI) needs, wired from the config.
import type { Config } from '../config.ts';
import { migrateToLatest } from '../db/kysely.ts';
import { DbJobQueue } from '../jobs/db-queue.ts';
import { JobsRepository } from '../jobs/repository.ts';
import type { JobQueue } from '../jobs/queue.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import { createLogger, type Logger } from '../lib/log.ts';
import { createMailer } from '../mail/index.ts';
import { createServices, resolveSecret, type Services } from '../services.ts';
import { openNodeDatabase } from './node-db.ts';
import { nodeHttpPost } from './node-http.ts';

export interface NodeRuntime {
  services: Services;
  close(): Promise<void>;
}

export async function startNodeRuntime(
  config: Config,
  role: 'server' | 'cli',
  opts: { log?: Logger; clock?: Clock; onEnqueue?: () => void } = {},
): Promise<NodeRuntime> {
  const handle = await openNodeDatabase(config, role);
  try {
    await migrateToLatest(handle.db);
    // PGlite is held exclusively (lock file): jobs leased by a process that died are free again now.
    if (handle.kind === 'pglite') await new JobsRepository(handle.db).releaseAllLeases();
    const clock = opts.clock ?? systemClock;
    const secret = await resolveSecret(config, handle.db);
    const services = createServices({
      config,
      db: handle.db,
      dbKind: handle.kind,
      clock,
      mailer: createMailer(config, handle.db, clock, nodeHttpPost),
      queue: (repos): JobQueue => new DbJobQueue(repos.jobs, clock, opts.onEnqueue),
      log: opts.log ?? createLogger(config.logLevel),
      secret,
    });
    return { services, close: () => handle.close() };
  } catch (e) {
    await handle.close();
    throw e;
  }
}
