/**
 * Fan-out and send through the fake provider (its own process, no rate limit): emails per second
 * from "start" to every ledger row final, Quire's CPU per email, database time, peak RSS.
 * Baselines: the set-based floor (one INSERT … SELECT, one UPDATE), one BullMQ job per email,
 * and the provider ceiling (100 × RESEND_RATE_PER_SECOND).
 */
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import pg from 'pg';
import { openPostgres } from '../../src/db/postgres.ts';
import { runDueJobs } from '../../src/jobs/db-queue.ts';
import { tick } from '../../src/jobs/tick.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { ResendMailer } from '../../src/mail/resend.ts';
import { nodeHttpPost } from '../../src/runtime/node-http.ts';
import { unsubscribeUrl, preferencesUrl } from '../../src/lib/tokens.ts';
import { createPersonaliser } from '../../src/mail/render/personalise.ts';
import {
  benchServices,
  fmt,
  gc,
  memoryMb,
  postgresCpuMsSince,
  postgresCpuSnapshot,
  seedList,
  startProviderProcess,
  withPeakRss,
  type BenchDb,
  type Result,
} from '../lib.ts';
import { seedSources } from './render.ts';

export async function sendScenario(db: BenchDb, scale: number, log: (s: string) => void): Promise<Result[]> {
  const provider = await startProviderProcess(0);
  try {
    const mailer = new ResendMailer('re_bench', provider.url, nodeHttpPost);
    const s = benchServices(db, mailer);
    log(`  seeding ${fmt(scale)} subscribers…`);
    const newsletterId = await seedList(s, 'send', scale);
    const seed = seedSources().reduce((a, b) => (a.source.length > b.source.length ? a : b));
    const issue = await s.issues.create('send', { source: seed.source }, null);
    const editor = (await s.users.createUser('bench@example.org', 'bench password 1', 'editor', 'bench')).user;
    await s.sending.schedule(
      issue.id,
      { sendAt: new Date(Date.now() + 1000).toISOString(), acknowledge: true },
      { id: editor.id, email: editor.email, role: 'editor' },
    );
    await new Promise((r) => setTimeout(r, 1100));
    gc();

    log('  sending…');
    // Server-side database time (PostgreSQL): pg_stat_database.active_time over the send, read
    // after the send's connections have closed (a backend flushes its statistics on exit).
    const sendHandle = db.kind === 'postgres' ? openPostgres(db.url!, { max: 10, onQuery: db.timer.onQuery }) : null;
    const activeMs0 = sendHandle ? await activeTimeMs(db) : 0;
    const pgCpu0 = postgresCpuSnapshot();
    const sender = sendHandle ? benchServices({ ...db, handle: sendHandle }, mailer) : s;
    // As many job loops as a Node process runs (JOB_CONCURRENCY); BENCH_WORKERS overrides.
    const WORKERS = Number(process.env.BENCH_WORKERS ?? s.config.jobConcurrency);
    db.timer.reset();
    const rssBeforeMb = Math.round(process.memoryUsage().rss / 1024 / 1024);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { peakRssMb } = await withPeakRss(async () => {
      await tick(sender);
      const deps = { repo: sender.repos.jobs, clock: systemClock, handlers: sender.jobHandlers, queue: sender.queue, log: silentLogger };
      await runDueJobs(deps, { maxJobs: 1 }); // send.start: render once, fan out, enqueue batches
      await Promise.all(Array.from({ length: WORKERS }, () => runDueJobs(deps)));
    });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (process.env.BENCH_MEMLOG) {
      gc(); // with --expose-gc: what is still live after the send, against the peak
      log(`  after the send, collected: ${memoryMb()}`);
    }
    const progress = await s.sending.progress(issue.id);
    if (progress.sent !== scale || progress.status !== 'sent') {
      const errors = await s.db.selectFrom('jobs').select(['kind', 'last_error']).where('last_error', 'is not', null).limit(3).execute();
      throw new Error(`send incomplete: ${JSON.stringify(progress)}; job errors: ${JSON.stringify(errors)}`);
    }
    const providerStats = await provider.stats();
    if (providerStats.accepted !== scale || providerStats.duplicates !== 0) throw new Error(`provider saw ${JSON.stringify(providerStats)}`);
    const rate = scale / seconds;
    const cpuPerEmailUs = (cpu.user + cpu.system) / scale;
    const clientSideDbMs = db.timer.ms;
    const pgCpuMs = postgresCpuMsSince(pgCpu0); // before the pool closes: its backends still exist
    let dbMs = clientSideDbMs;
    if (sendHandle) {
      await sendHandle.close();
      await new Promise((r) => setTimeout(r, 300));
      dbMs = (await activeTimeMs(db)) - activeMs0;
    }

    // The database floor: the same ledger rows written and finalised set-based.
    const floorIssue = await s.issues.create('send', { title: 'floor' }, null);
    const f0 = performance.now();
    const floorCpu0 = postgresCpuSnapshot();
    await sql`INSERT INTO deliveries (issue_id, subscriber_id, email, name, batch)
      SELECT ${floorIssue.id}, id, email, name, ((row_number() OVER (ORDER BY id)) - 1) / 100 FROM subscribers WHERE newsletter_id = ${newsletterId} AND status = 'active'`.execute(
      s.db,
    );
    await sql`UPDATE deliveries SET status = 'sent', provider_message_id = 'floor-' || id, sent_at = now() WHERE issue_id = ${floorIssue.id}`.execute(s.db);
    const floorMs = performance.now() - f0;
    const floorCpuMs = postgresCpuMsSince(floorCpu0);

    // One BullMQ job per email (measured on up to 10 000 emails; the rate is what matters).
    log('  one-job-per-email baseline (Redis)…');
    // BENCH_SKIP_BULL=1 skips it (profiling Quire alone).
    const bull = process.env.BENCH_SKIP_BULL ? { rate: NaN } : await bullBaseline(db, s, issue.id, provider.url, Math.min(scale, 10_000));

    const ceiling = 100 * s.config.resend.ratePerSecond;
    const resendDefaultCeiling = 100 * 2;
    return [
      {
        name: 'send: emails per second, start to every ledger row final',
        scale,
        figure: rate,
        unit: 'emails/s',
        baseline: bull.rate,
        baselineUnit: 'emails/s (one Redis job per email, BullMQ-style)',
        ratio: rate / bull.rate,
        peakRssMb,
        detail: {
          seconds: Math.round(seconds * 100) / 100,
          workers: WORKERS,
          rssBeforeSendMb: rssBeforeMb,
          htmlBytes: (await s.repos.issues.findById(issue.id))!.rendered_html!.length,
          providerCeilingAtResendDefault: resendDefaultCeiling,
          timesFasterThanResendDefaultCeiling: Math.round((rate / resendDefaultCeiling) * 10) / 10,
          configuredCeiling: ceiling,
          bars: '≥ 3 000 emails/s at 100k; ≥ 5× one-job-per-email; peak RSS < 300 MB',
        },
      },
      {
        name: 'send: Quire CPU per email',
        scale,
        figure: cpuPerEmailUs,
        unit: 'µs/email',
        baseline: null,
        ratio: null,
        peakRssMb,
        detail: { userMs: Math.round(cpu.user / 1000), systemMs: Math.round(cpu.system / 1000), bar: '≤ 200 µs' },
      },
      {
        name: 'send: database time vs set-based floor',
        scale,
        figure: dbMs,
        unit: 'ms',
        baseline: floorMs,
        baselineUnit: 'ms (INSERT … SELECT + UPDATE of the same rows)',
        ratio: dbMs / floorMs,
        peakRssMb,
        detail: {
          how:
            db.kind === 'postgres'
              ? 'server-side: pg_stat_database.active_time during the send'
              : 'client-side: sum of query durations as the app saw them (includes event-loop waits)',
          clientSideMs: Math.round(clientSideDbMs),
          // Active time is wall time: with Quire and PostgreSQL on the same two cores, a statement
          // also waits for a core. The database's own CPU time, against the floor's, separates the two.
          postgresCpuMs: Math.round(pgCpuMs),
          floorPostgresCpuMs: Math.round(floorCpuMs),
          cpuRatio: floorCpuMs > 0 ? Math.round((pgCpuMs / floorCpuMs) * 100) / 100 : null,
          queries: db.timer.queries,
          bar: 'ratio ≤ 3 (lower is better)',
        },
      },
    ];
  } finally {
    await provider.stop();
  }
}

async function activeTimeMs(db: BenchDb): Promise<number> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    await c.query('SELECT pg_stat_clear_snapshot()');
    const r = await c.query<{ ms: number }>('SELECT active_time AS ms FROM pg_stat_database WHERE datname = current_database()');
    return Number(r.rows[0]!.ms);
  } finally {
    await c.end();
  }
}

/**
 * One job per email over the local Redis, the design most Node platforms use (BullMQ's, without
 * its package: its native accelerator's platform builds are not on the registry this project
 * installs from, so its lock file could not be verified by `npm ci`). Each job is pushed to a list,
 * moved atomically to a processing list by one of 50 concurrent workers, personalised, sent with a
 * single-email API call, recorded in the ledger and acknowledged.
 */
async function bullBaseline(db: BenchDb, s: ReturnType<typeof benchServices>, issueId: number, providerUrl: string, count: number): Promise<{ rate: number }> {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null, lazyConnect: true });
  await redis.connect();
  const queue = `quire-bench:${Date.now()}`;
  const issue = (await s.repos.issues.findById(issueId))!;
  const personalise = createPersonaliser({ html: issue.rendered_html!, text: issue.rendered_text!, nameFallback: issue.rendered_name_fallback ?? '' });
  const mailer = new ResendMailer('re_bench', providerUrl);
  const rows = await s.db
    .selectFrom('deliveries')
    .select(['id', 'subscriber_id', 'email', 'name'])
    .where('issue_id', '=', issueId)
    .orderBy('id')
    .limit(count)
    .execute();
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += 1000) {
    await redis.lpush(
      queue,
      ...rows.slice(i, i + 1000).map((r) => JSON.stringify({ id: String(r.id), subscriberId: String(r.subscriber_id), email: r.email, name: r.name })),
    );
  }
  const workers = Array.from({ length: 50 }, async () => {
    const conn = redis.duplicate();
    try {
      for (;;) {
        const raw = await conn.lmove(queue, `${queue}:active`, 'RIGHT', 'LEFT');
        if (!raw) return;
        const r = JSON.parse(raw) as { id: string; subscriberId: string; email: string; name: string | null };
        const body = personalise({
          unsubscribeUrl: unsubscribeUrl('https://news.example.org', 'b'.repeat(40), r.subscriberId),
          preferencesUrl: preferencesUrl('https://news.example.org', 'b'.repeat(40), r.subscriberId),
          name: r.name,
        });
        const sent = await mailer.send({ from: 'news@example.org', to: [r.email], subject: issue.title, html: body.html, text: body.text });
        await s.db
          .updateTable('deliveries')
          .set({ provider_message_id: `job-${sent.id}` })
          .where('id', '=', r.id)
          .execute();
        await conn.lrem(`${queue}:active`, 1, raw);
      }
    } finally {
      conn.disconnect();
    }
  });
  await Promise.all(workers);
  const rate = rows.length / ((performance.now() - t0) / 1000);
  await redis.del(queue, `${queue}:active`);
  redis.disconnect();
  void db;
  return { rate };
}
