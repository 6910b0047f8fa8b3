/**
 * The one way a runtime builds its services: Node once per process (startNodeRuntime), Workers
 * once per request or event (worker.ts). Each passes the parts that differ — its queue, HTTP
 * client, logger, clock — and its ProcessCaches; everything else is wired the same here.
 */
import type { Config } from '../config.ts';
import type { Db, DbHandle } from '../db/kysely.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import { createMailer } from '../mail/index.ts';
import type { HttpPost } from '../mail/mailer.ts';
import { createServices, resolveSecret, type Deps, type Services } from '../services.ts';
import { CloudflareTurnstile } from '../modules/subscribers/turnstile.ts';
import type { ProcessCaches } from './caches.ts';

export interface RuntimeParts {
  config: Config;
  /** The database these services work on (on Workers: this request's connection). */
  db: Pick<DbHandle, 'db' | 'kind'>;
  clock: Clock;
  log: Logger;
  /** Node: the `jobs` table (DbJobQueue); Workers: the JOBS binding (CloudflareJobQueue). */
  queue: Deps['queue'];
  /** Once per process or isolate, shared by every set of services built there. */
  caches: ProcessCaches;
  /** How provider calls go out: Node passes nodeHttpPost; fetch otherwise. */
  httpPost?: HttpPost;
}

export async function buildServices(p: RuntimeParts): Promise<Services> {
  return createServices({
    config: p.config,
    db: p.db.db,
    dbKind: p.db.kind,
    clock: p.clock,
    mailer: createMailer(p.config, p.db.db, p.clock, p.httpPost, p.caches),
    queue: p.queue,
    log: p.log,
    secret: await processSecret(p.config, p.db.db, p.caches),
    caches: p.caches,
    ...(p.config.turnstile ? { turnstile: new CloudflareTurnstile(p.config.turnstile.secret) } : {}),
  });
}

/** resolveSecret once per process: the database holds one secret, which never changes once made. */
function processSecret(config: Config, db: Db, caches: ProcessCaches): Promise<string> {
  caches.secret ??= resolveSecret(config, db).catch((e: unknown) => {
    caches.secret = undefined; // a failed read (connection lost) is tried again next time
    throw e;
  });
  return caches.secret;
}
