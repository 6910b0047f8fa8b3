/** Provider pacing against a fake provider that enforces 2 and 5 requests per second. */
import { runDueJobs } from '../../src/jobs/db-queue.ts';
import { tick } from '../../src/jobs/tick.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { ResendMailer } from '../../src/mail/resend.ts';
import { benchConfig, benchServices, gc, seedList, startProviderProcess, type BenchDb, type Result } from '../lib.ts';

const BATCHES = 12;

export async function pacingScenario(db: BenchDb, scale: number): Promise<Result[]> {
  const out: Result[] = [];
  for (const rate of [2, 5]) {
    const provider = await startProviderProcess(rate);
    try {
      const mailer = new ResendMailer('re_bench', provider.url);
      const calls: number[] = [];
      const send = mailer.sendPreparedBatch.bind(mailer);
      mailer.sendPreparedBatch = (emails, opts) => {
        calls.push(performance.now());
        return send(emails, opts);
      };
      const s = benchServices(db, mailer, benchConfig({ RESEND_RATE_PER_SECOND: String(rate) }));
      const slug = `pace${rate}`;
      await seedList(s, slug, BATCHES * 100);
      const issue = await s.issues.create(slug, { title: `Pacing at ${rate}/s`, sections: [{ title: 'S', articles: [{ title: 'A', body: 'Hello' }] }] }, null);
      const editor = (await s.users.createUser(`pace${rate}@example.org`, 'bench password 1', 'editor', 'bench')).user;
      await s.sending.schedule(
        issue.id,
        { sendAt: new Date(Date.now() + 500).toISOString(), acknowledge: true },
        { id: editor.id, email: editor.email, role: 'editor' },
      );
      await new Promise((r) => setTimeout(r, 600));
      gc(); // the scenario before left garbage: its collection is not this scenario's pause
      await tick(s);
      const deps = { repo: s.repos.jobs, clock: systemClock, handlers: s.jobHandlers, queue: s.queue, log: silentLogger };
      // Two workers compete for slots, as two processes would: pacing lives in the database.
      // Jobs deferred for a slot come due again a moment later: keep working until the issue is sent.
      const deadline = Date.now() + 120_000;
      while ((await s.sending.progress(issue.id)).status !== 'sent' && Date.now() < deadline) {
        await Promise.all([runDueJobs(deps), runDueJobs(deps)]);
        await new Promise((r) => setTimeout(r, 50));
      }
      if (process.env.BENCH_PACELOG)
        console.log(
          `  gaps at ${rate}/s: ${calls
            .slice(1)
            .map((t, i) => Math.round(t - calls[i]!))
            .join(' ')}`,
        );
      const stats = await provider.stats();
      const achieved = (calls.length - 1) / ((calls[calls.length - 1]! - calls[0]!) / 1000);
      out.push({
        name: `pacing: achieved requests per second at ${rate}/s`,
        scale,
        figure: achieved,
        unit: 'req/s',
        baseline: rate,
        baselineUnit: 'req/s configured',
        ratio: achieved / rate,
        peakRssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
        detail: {
          requests: calls.length,
          rejected429: stats.rejected429,
          sent: (await s.sending.progress(issue.id)).sent,
          failures: (await s.sending.failures(issue.id, 3)).map((f) => f.error),
          bar: 'within 5% of the rate, zero 429s',
        },
      });
    } finally {
      await provider.stop();
    }
  }
  return out;
}
