/**
 * Cloudflare Workers entry: `fetch` serves the app, `scheduled` (Cron Trigger, every minute)
 * runs the tick, `queue` consumes jobs. PostgreSQL through Hyperdrive with one connection per
 * request; jobs travel through a Cloudflare Queue. Services are built per request (buildServices);
 * what must outlive a request lives in this isolate's ProcessCaches.
 */
import type { Context, ExecutionContext } from 'hono';
import { createApp } from './app.ts';
import { parseConfig, type Config } from './config.ts';
import { migrateToLatest, schemaIsCurrent } from './db/kysely.ts';
import { openPostgres } from './db/postgres.ts';
import { CloudflareJobQueue, consumeDeadLetters, consumeMessages, unboundJobQueue, type QueueMessage, type QueueProducer } from './jobs/cloudflare-queue.ts';
import { tick } from './jobs/tick.ts';
import { systemClock } from './lib/clock.ts';
import { createLogger, type Logger } from './lib/log.ts';
import { bootstrapAdmin } from './runtime/bootstrap.ts';
import { buildServices } from './runtime/build.ts';
import { unavailableResponse } from './http/unavailable.tsx';
import { createProcessCaches } from './runtime/caches.ts';
import type { Services } from './services.ts';

export interface WorkerEnv {
  HYPERDRIVE?: { connectionString: string };
  JOBS?: QueueProducer;
  [name: string]: unknown;
}

// Once per isolate: the caches, the configuration (the environment does not change within an
// isolate) and whether the schema and the first admin are known to be in place.
const caches = createProcessCaches();
let isolate: { config: Config; log: Logger } | undefined;
let ready = false;

function stringVars(env: WorkerEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

/**
 * The schema and the first admin, checked on this request's own connection (workerd forbids one
 * request to wait on another's I/O, so no promise is shared between requests). Once the schema is
 * current the check is one read, and once it passed the isolate skips it: a user's request never
 * runs the migrator unless a deploy brought migrations that neither `npx quire migrate` nor the
 * Cron Trigger has applied yet. The Migrator takes a lock, so racing isolates are safe.
 */
async function ensureReady(services: Services, config: Config, force: boolean): Promise<void> {
  if (ready && !force) return;
  if (!(await schemaIsCurrent(services.db))) {
    const applied = await migrateToLatest(services.db);
    if (applied.length) services.log.info('migrated', { migrations: applied });
  }
  const admin = await bootstrapAdmin(services, config);
  if (admin === 'created') services.log.info('first admin created', { email: config.admin.email });
  if (admin === 'missing')
    services.log.warn('no admin user yet: set the ADMIN_EMAIL and ADMIN_PASSWORD secrets (wrangler secret put) and the next request creates it');
  ready = true;
}

/** Services for one request or event, over a fresh database connection; `close` ends it. */
async function openServices(env: WorkerEnv, opts: { migrate?: boolean } = {}): Promise<{ services: Services; close: () => Promise<void> }> {
  if (!isolate) {
    const config = parseConfig(stringVars(env), { trustProxy: 'cloudflare' });
    isolate = { config, log: createLogger(config.logLevel, true) };
  }
  const { config, log } = isolate;
  const url = config.databaseUrl ?? env.HYPERDRIVE?.connectionString;
  if (!url) throw new Error('Configuration error: bind HYPERDRIVE (wrangler.toml) or set DATABASE_URL');
  const handle = openPostgres(url, { max: 1 });
  try {
    const queue = env.JOBS ? new CloudflareJobQueue(env.JOBS) : unboundJobQueue;
    const services = await buildServices({ config, db: handle, clock: systemClock, log, queue, caches });
    await ensureReady(services, config, opts.migrate ?? false);
    return { services, close: () => handle.close() };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/**
 * The response as it leaves, closing the connection once its body has been produced: at once when
 * there is none; else when the body ends, fails or is cancelled (a streamed CSV export reads the
 * database while it is sent). Up to 1 MB is buffered ahead of the client, so an ordinary page
 * releases its connection without waiting for a slow reader; a longer stream keeps backpressure.
 */
function closeAfterBody(res: Response, close: () => Promise<void>, ctx: ExecutionContext, log: Logger): Response {
  if (!res.body) {
    ctx.waitUntil(close());
    return res;
  }
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>(undefined, undefined, { highWaterMark: 1 << 20, size: (c) => c.byteLength });
  ctx.waitUntil(
    res.body
      .pipeTo(writable)
      .catch((e: unknown) => log.warn('response body not sent in full', { error: e instanceof Error ? e.message : String(e) }))
      .finally(close),
  );
  return new Response(readable, res);
}

/** The dead-letter queue is the jobs queue's name with this suffix (quire-jobs-dead). */
const DEAD_LETTER_SUFFIX = '-dead';

const perRequest = new WeakMap<Request, Services>();
const app = createApp((c: Context) => {
  const s = perRequest.get(c.req.raw);
  if (!s) throw new Error('No services for this request');
  return s;
});

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let opened: Awaited<ReturnType<typeof openServices>>;
    try {
      opened = await openServices(env);
    } catch (e) {
      // No database (down, unreachable, misconfigured): a 503 that says so, never error 1101.
      (isolate?.log ?? console).error('cannot open the database', { error: e instanceof Error ? e.message : String(e) });
      return unavailableResponse(request);
    }
    const { services, close } = opened;
    perRequest.set(request, services);
    let res: Response;
    try {
      res = await app.fetch(request, env, ctx);
    } catch (e) {
      ctx.waitUntil(close());
      throw e;
    }
    return closeAfterBody(res, close, ctx, services.log);
  },

  async scheduled(_controller: unknown, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    // Every minute the tick also checks the schema, so a deploy's migrations land without a request.
    const { services, close } = await openServices(env, { migrate: true });
    try {
      const r = await tick(services);
      if (r.enqueued) services.log.info('tick', { ...r });
    } finally {
      ctx.waitUntil(close());
    }
  },

  async queue(batch: { queue?: string; messages: readonly QueueMessage[] }, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const { services, close } = await openServices(env);
    try {
      // The dead-letter queue (wrangler.toml) holds jobs given up after max_retries: record them.
      if (batch.queue?.endsWith(DEAD_LETTER_SUFFIX)) await consumeDeadLetters(batch.messages, services.jobGiveUps, services.log);
      else await consumeMessages(batch.messages, services.jobHandlers, services.queue, services.log, services.jobGiveUps);
    } finally {
      ctx.waitUntil(close());
    }
  },
};
