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
import { i18n, systemLanguage } from './i18n/index.ts';

/** What the operator reads at start-up, in the system's language (LC_ALL, LC_MESSAGES, LANG). */
const { t, m } = i18n(systemLanguage(process.env));

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
  const database = services.dbKind === 'pglite' ? t('start.pglite', { dir: `${config.dataDir}/db` }) : t('start.postgres');
  log.info(t('start.running', { url: base, database, transport: services.mailer.transport }));
  if (firstRun.admin) {
    log.info(t('start.firstAdmin', { email: firstRun.admin.email }));
    if (firstRun.admin.password) log.info(t('start.password', { password: firstRun.admin.password }));
  }
  const newsletters = await services.newsletters.list();
  for (const n of newsletters) log.info(t('start.signup', { url: `${base}/n/${n.slug}` }));
  log.info(t('start.admin', { url: `${base}/admin` }));
  if (services.mailer.transport === 'outbox') log.info(t('start.outbox', { url: `${base}/api/v1/outbox` }));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(t('start.stopping', { signal }));
    await task.stop();
    server.close();
    await worker?.stop();
    await runtime.close();
    log.info(t('start.stopped'));
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof DataDirLockedError) {
    console.error(m(e.said));
  } else {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  }
  process.exit(1);
});
