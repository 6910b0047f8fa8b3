/**
 * Cloudflare Workers entry: `fetch` serves the app, `scheduled` (Cron Trigger, every minute)
 * runs the tick, `queue` consumes jobs. PostgreSQL through Hyperdrive with one connection per
 * request; jobs travel through a Cloudflare Queue.
 */
import type { Context, ExecutionContext } from 'hono';
import { createApp } from './app.ts';
import { parseConfig, type Config } from './config.ts';
import { migrateToLatest } from './db/kysely.ts';
import { openPostgres } from './db/postgres.ts';
import { tick } from './jobs/tick.ts';
import { RetryLater, backoffMs, type Job, type JobQueue } from './jobs/queue.ts';
import { systemClock } from './lib/clock.ts';
import { createLogger } from './lib/log.ts';
import { createMailer } from './mail/index.ts';
import { createServices, resolveSecret, type Services } from './services.ts';

// Minimal shapes of the Workers bindings we use (the full types would clash with DOM's).
interface QueueProducer {
  sendBatch(messages: { body: unknown; delaySeconds?: number }[]): Promise<void>;
}
interface QueueMessage {
  body: unknown;
  attempts: number;
  ack(): void;
  retry(opts?: { delaySeconds?: number }): void;
}
export interface WorkerEnv {
  HYPERDRIVE?: { connectionString: string };
  JOBS?: QueueProducer;
  [name: string]: unknown;
}

/** Jobs go out as queue messages; Workers queues cannot delay more than 12 hours. */
class CloudflareJobQueue implements JobQueue {
  constructor(private readonly producer: QueueProducer) {}
  async enqueue(jobs: Job[]): Promise<void> {
    const now = Date.now();
    for (let i = 0; i < jobs.length; i += 100) {
      await this.producer.sendBatch(
        jobs.slice(i, i + 100).map((j) => {
          const delay = j.runAt ? Math.ceil((j.runAt.getTime() - now) / 1000) : 0;
          return { body: { kind: j.kind, payload: j.payload }, ...(delay > 0 ? { delaySeconds: Math.min(delay, 43_200) } : {}) };
        }),
      );
    }
  }
}

let cachedConfig: Config | undefined;
let migrated: Promise<unknown> | undefined;
let cachedSecret: string | undefined;

function stringVars(env: WorkerEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

/** Services for one request or event, over a fresh database connection; `close` ends it. */
async function openServices(env: WorkerEnv): Promise<{ services: Services; close: () => Promise<void> }> {
  cachedConfig ??= parseConfig(stringVars(env), { trustProxy: 'cloudflare' });
  const config = cachedConfig;
  const url = config.databaseUrl ?? env.HYPERDRIVE?.connectionString;
  if (!url) throw new Error('Configuration error: bind HYPERDRIVE (wrangler.toml) or set DATABASE_URL');
  const handle = openPostgres(url, { max: 1 });
  // Once per isolate: bring the schema up to date (the Migrator takes a lock, so concurrent isolates are safe).
  migrated ??= migrateToLatest(handle.db).catch((e: unknown) => {
    migrated = undefined;
    throw e;
  });
  await migrated;
  cachedSecret ??= await resolveSecret(config, handle.db);
  const clock = systemClock;
  const services = createServices({
    config,
    db: handle.db,
    dbKind: 'postgres',
    clock,
    mailer: createMailer(config, handle.db, clock),
    queue: env.JOBS
      ? new CloudflareJobQueue(env.JOBS)
      : {
          enqueue: async () => {
            throw new Error('Configuration error: bind the JOBS queue in wrangler.toml');
          },
        },
    log: createLogger(config.logLevel, true),
    secret: cachedSecret,
  });
  return { services, close: () => handle.close() };
}

const perRequest = new WeakMap<Request, Services>();
const app = createApp((c: Context) => {
  const s = perRequest.get(c.req.raw);
  if (!s) throw new Error('No services for this request');
  return s;
});

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    const { services, close } = await openServices(env);
    perRequest.set(request, services);
    let res: Response;
    try {
      res = await app.fetch(request, env, ctx);
    } catch (e) {
      ctx.waitUntil(close());
      throw e;
    }
    // The CSV export streams its body from the database in pages, and the admin CSV import streams
    // its progress (NDJSON) while it writes: close the connection once the body has been sent.
    // Every other response is complete when returned.
    const type = res.headers.get('content-type') ?? '';
    if (!res.body || !(type.startsWith('text/csv') || type.startsWith('application/x-ndjson'))) {
      ctx.waitUntil(close());
      return res;
    }
    const { readable, writable } = new TransformStream();
    ctx.waitUntil(res.body.pipeTo(writable).finally(close));
    return new Response(readable, res);
  },

  async scheduled(_controller: unknown, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const { services, close } = await openServices(env);
    try {
      const r = await tick(services);
      if (r.enqueued) services.log.info('tick', { ...r });
    } finally {
      ctx.waitUntil(close());
    }
  },

  async queue(batch: { messages: readonly QueueMessage[] }, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const { services, close } = await openServices(env);
    try {
      for (const msg of batch.messages) {
        const body = msg.body as { kind?: string; payload?: Record<string, unknown> };
        const handler = body.kind ? services.jobHandlers[body.kind] : undefined;
        if (!handler) {
          services.log.error('dropping job of unknown kind', { kind: body.kind });
          msg.ack();
          continue;
        }
        try {
          await handler(body.payload ?? {}, { attempt: msg.attempts, queue: services.queue });
          msg.ack();
        } catch (e) {
          const delayMs = e instanceof RetryLater ? e.delayMs : backoffMs(msg.attempts);
          services.log.warn('job will be retried', { kind: body.kind, attempt: msg.attempts, error: e instanceof Error ? e.message : String(e) });
          msg.retry({ delaySeconds: Math.max(1, Math.ceil(delayMs / 1000)) });
        }
      }
    } finally {
      ctx.waitUntil(close());
    }
  },
};
