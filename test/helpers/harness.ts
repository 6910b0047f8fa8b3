/**
 * The integration test harness: a real database (never mocked), the real app driven through
 * `app.request()`, a fake clock, the outbox mailer, and the jobs table.
 */
import { createApp } from '../../src/app.ts';
import { parseConfig, type Config } from '../../src/config.ts';
import type { DbKind } from '../../src/db/kysely.ts';
import { DbJobQueue, runDueJobs } from '../../src/jobs/db-queue.ts';
import { tick } from '../../src/jobs/tick.ts';
import { FakeClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/log.ts';
import type { Mailer } from '../../src/mail/mailer.ts';
import { OutboxMailer } from '../../src/mail/outbox.ts';
import { OutboxRepository } from '../../src/modules/outbox/repository.ts';
import { createProcessCaches } from '../../src/runtime/caches.ts';
import { createServices, type Services } from '../../src/services.ts';
import type { TurnstileVerifier } from '../../src/modules/subscribers/turnstile.ts';
import { openTestDb, type TestDb } from './db.ts';

export interface Harness {
  kind: DbKind;
  db: TestDb;
  services: Services;
  config: Config;
  clock: FakeClock;
  app: ReturnType<typeof createApp>;
  /** Runs one scheduler tick (finds due work, enqueues it). */
  tick(): Promise<{ enqueued: number }>;
  /** Ticks, then runs jobs until none is due at the fake clock's time. */
  drain(): Promise<void>;
  /** An admin API token. */
  adminToken: string;
  /** A request with the admin token and JSON body when `json` is given. */
  api(method: string, path: string, opts?: { json?: unknown; token?: string | null; headers?: Record<string, string>; body?: BodyInit }): Promise<Response>;
  runJobs(): Promise<number>;
  close(): Promise<void>;
}

export async function createHarness(
  kind: DbKind,
  opts: { env?: Record<string, string>; mailer?: (s: { db: TestDb; clock: FakeClock }) => Mailer; turnstile?: TurnstileVerifier } = {},
): Promise<Harness> {
  const db = await openTestDb(kind);
  const config = parseConfig({ PUBLIC_URL: 'https://news.example.test', SECRET: 'x'.repeat(40), TRUST_PROXY: 'forwarded', ...opts.env });
  const clock = new FakeClock(new Date('2026-03-01T08:00:00Z'));
  const services = createServices({
    config,
    db: db.db,
    dbKind: kind,
    clock,
    mailer: opts.mailer ? opts.mailer({ db, clock }) : new OutboxMailer(new OutboxRepository(db.db), clock, 'news.example.test'),
    queue: (repos) => new DbJobQueue(repos.jobs, clock),
    log: silentLogger,
    secret: config.secret!,
    ...(opts.turnstile ? { turnstile: opts.turnstile } : {}),
    passwordIterations: 1_000, // the real work factor makes every test user cost ~0.3 s
    // One set per harness, as per process: a test can build more services over the same caches.
    caches: createProcessCaches(),
  });
  await services.users.createUser('admin@example.org', 'correct horse battery', 'admin', 'test');
  const adminToken = await services.users.createToken('admin@example.org', 'test');
  const app = createApp(() => services);

  const api: Harness['api'] = (method, path, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    const token = o.token === undefined ? adminToken : o.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body = o.body;
    if (o.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.json);
    }
    return Promise.resolve(app.request(path, { method, headers, ...(body !== undefined ? { body } : {}) }));
  };

  return {
    kind,
    db,
    services,
    config,
    clock,
    app,
    adminToken,
    api,
    tick: () => tick(services),
    drain: async () => {
      await tick(services);
      while (
        (await runDueJobs({
          repo: services.repos.jobs,
          clock,
          handlers: services.jobHandlers,
          giveUps: services.jobGiveUps,
          queue: services.queue,
          log: silentLogger,
        })) > 0
      );
    },
    runJobs: () =>
      runDueJobs({ repo: services.repos.jobs, clock, handlers: services.jobHandlers, giveUps: services.jobGiveUps, queue: services.queue, log: silentLogger }),
    close: () => db.destroy(),
  };
}
