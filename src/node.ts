/**
 * Node entry (`npm start`): config → database (migrated) → first-run setup → HTTP server,
 * the per-minute scheduler tick and the job worker. Graceful on SIGINT/SIGTERM.
 */
import { serve } from '@hono/node-server';
import cron from 'node-cron';
import { createApp } from './app.ts';
import { ConfigError, parseConfig } from './config.ts';
import { DataDirLockedError } from './db/lock.ts';
import { tick } from './jobs/tick.ts';
import { bootstrap } from './runtime/bootstrap.ts';
import { createProcessCaches } from './runtime/caches.ts';
import { startNodeRuntime } from './runtime/node-services.ts';
import { JobWorkerLoop } from './runtime/worker-loop.ts';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  let worker: JobWorkerLoop | null = null;
  const runtime = await startNodeRuntime(config, 'server', { caches: createProcessCaches(), onEnqueue: () => worker?.wake() });
  const { services } = runtime;
  const log = services.log;
  worker = new JobWorkerLoop(services);

  const firstRun = await bootstrap(services, config);
  const app = createApp(() => services);
  const server = serve({ fetch: app.fetch, port: config.port, hostname: process.env.HOST ?? '0.0.0.0' });

  let ticking = false;
  const task = cron.schedule('* * * * *', async () => {
    if (ticking) return; // the previous tick is still running; the next minute catches up
    ticking = true;
    try {
      const r = await tick(services);
      if (r.enqueued) worker?.wake();
    } catch (e) {
      log.error('tick failed', { error: e instanceof Error ? e.message : String(e) });
    } finally {
      ticking = false;
    }
  });
  worker.start();

  const base = config.publicUrl;
  const where = services.dbKind === 'pglite' ? `PGlite in ${config.dataDir}/db` : 'PostgreSQL (DATABASE_URL)';
  log.info(`Quire is running at ${base}  (database: ${where}; mail: ${services.mailer.transport})`);
  if (firstRun.admin) {
    log.info(`First run: created admin ${firstRun.admin.email}`);
    if (firstRun.admin.password) log.info(`  password (shown once, change it after signing in): ${firstRun.admin.password}`);
  }
  const newsletters = await services.newsletters.list();
  for (const n of newsletters) log.info(`  signup page: ${base}/n/${n.slug}`);
  log.info(`  admin:       ${base}/admin`);
  if (services.mailer.transport === 'outbox') log.info(`  outbox:      ${base}/api/v1/outbox (no RESEND_API_KEY: mail is kept, not sent)`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: finishing the current job and shutting down…`);
    await task.stop();
    server.close();
    await worker?.stop();
    await runtime.close();
    log.info('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof DataDirLockedError) {
    console.error(e.message);
  } else {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  }
  process.exit(1);
});
