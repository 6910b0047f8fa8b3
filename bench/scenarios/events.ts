/**
 * Delivery events: a burst of signed webhooks ingested over HTTP (client in its own process),
 * against the same server answering 200 without work; and the issue stats / dashboard queries at
 * the list size with three events per subscriber, against a primary-key lookup.
 */
import { serve, type ServerType } from '@hono/node-server';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Hono } from 'hono';
import { sql } from 'kysely';
import { createApp } from '../../src/app.ts';
import { AdminRepository } from '../../src/modules/admin/repository.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { OutboxMailer } from '../../src/mail/outbox.ts';
import { OutboxRepository } from '../../src/modules/outbox/repository.ts';
import { benchConfig, benchServices, percentile, seedList, type BenchDb, type Result } from '../lib.ts';

const WEBHOOK_SECRET = 'whsec_' + Buffer.from('quire-bench-webhook-secret-0123456789').toString('base64');
const BURST = 10_000;

function client(url: string, first: number, count: number): Promise<{ seconds: number; ok: number; failed: number }> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', path.resolve('bench/webhook-client.ts'), url, WEBHOOK_SECRET, String(first), String(count), '16'], { maxBuffer: 1 << 20 }, (err, out) =>
      err ? reject(err) : resolve(JSON.parse(out) as { seconds: number; ok: number; failed: number }),
    ),
  );
}

/** An issue sent to the whole list, its ledger written set-based with provider ids `wh-<id>`. */
async function sentIssue(s: ReturnType<typeof benchServices>, slug: string, newsletterId: number): Promise<{ issueId: number; firstDelivery: number }> {
  const issue = await s.issues.create(slug, { title: 'Events bench' }, null);
  await sql`UPDATE issues SET status = 'sent', sent_at = now(), started_at = now() WHERE id = ${issue.id}`.execute(s.db);
  await sql`INSERT INTO deliveries (issue_id, subscriber_id, email, name, batch, status, sent_at)
    SELECT ${issue.id}, id, email, name, ((row_number() OVER (ORDER BY id)) - 1) / 100, 'sent', now() FROM subscribers WHERE newsletter_id = ${newsletterId}`.execute(s.db);
  await sql`UPDATE deliveries SET provider_message_id = 'wh-' || id WHERE issue_id = ${issue.id}`.execute(s.db);
  const r = await s.db.selectFrom('deliveries').select((eb) => eb.fn.min('id').as('first')).where('issue_id', '=', issue.id).executeTakeFirstOrThrow();
  return { issueId: issue.id, firstDelivery: Number(r.first) };
}

export async function eventsScenario(db: BenchDb, scale: number, log: (s: string) => void): Promise<Result[]> {
  const s = benchServices(db, new OutboxMailer(new OutboxRepository(db.handle.db), systemClock), benchConfig({ RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET }));
  log(`  seeding ${scale.toLocaleString('en-US')} subscribers and a sent issue…`);
  const newsletterId = await seedList(s, 'events', scale);
  const { issueId, firstDelivery } = await sentIssue(s, 'events', newsletterId);

  const outer = new Hono();
  outer.post('/__ok', async (c) => {
    await c.req.text();
    return c.json({ ok: true });
  });
  outer.route('/', createApp(() => s));
  const server: ServerType = await new Promise((r) => {
    const srv = serve({ fetch: outer.fetch, port: 0, hostname: '127.0.0.1' }, () => r(srv));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const results: Result[] = [];
  try {
    const burst = Math.min(BURST, scale);
    log(`  ${burst} signed webhook events…`);
    const ours = await client(`${base}/webhooks/resend`, firstDelivery, burst);
    const noop = await client(`${base}/__ok`, firstDelivery, burst);
    const applied = await s.db.selectFrom('webhook_events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    results.push({
      name: 'webhooks: signed events ingested per second',
      scale,
      figure: ours.ok / ours.seconds,
      unit: 'events/s',
      baseline: noop.ok / noop.seconds,
      baselineUnit: 'req/s (same server, 200 without work)',
      ratio: ours.ok / ours.seconds / (noop.ok / noop.seconds),
      peakRssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
      detail: { events: burst, ok: ours.ok, failed: ours.failed, stored: Number(applied.n), bar: 'a burst of 10 000 absorbed without errors' },
    });

    // Three events per subscriber: delivered (all), an open for each, and the consent record's signup/confirm.
    log('  three events per subscriber for the stats queries…');
    await sql`UPDATE deliveries SET delivered_at = coalesce(delivered_at, now()), last_event_at = now() WHERE issue_id = ${issueId}`.execute(s.db);
    await sql`INSERT INTO delivery_opens (delivery_id, issue_id, at, client, likely_human, source)
      SELECT id, issue_id, now(), 'desktop', (id % 3 = 0), 'pixel' FROM deliveries WHERE issue_id = ${issueId}`.execute(s.db);
    await sql`UPDATE deliveries SET first_opened_at = now(), open_count = 1, human_opened_at = CASE WHEN id % 3 = 0 THEN now() END WHERE issue_id = ${issueId}`.execute(s.db);
    await sql`INSERT INTO subscriber_events (subscriber_id, newsletter_id, at, type, source)
      SELECT id, newsletter_id, now(), 'confirm', 'import' FROM subscribers WHERE newsletter_id = ${newsletterId}`.execute(s.db);
    await sql`ANALYZE`.execute(s.db);

    const time = async (fn: () => Promise<unknown>, n = 60) => {
      for (let i = 0; i < 5; i++) await fn();
      const ms: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await fn();
        ms.push(performance.now() - t0);
      }
      return ms.sort((a, b) => a - b);
    };
    const statsMs = await time(() => s.events.stats(issueId));
    const pk = await time(() => s.db.selectFrom('subscribers').selectAll().where('id', '=', String(firstDelivery % scale || 1)).executeTakeFirst());
    // The dashboard's queries, as GET /admin runs them: scheduled and last issues, the last issue's
    // stats, twelve months of list growth, the monthly slot.
    const admin = new AdminRepository(s.db);
    const dashMs = await time(async () => {
      await s.issues.list('events', { status: ['scheduled'], limit: 50 });
      await s.issues.list('events', { status: ['sent', 'sending'], limit: 1 });
      await s.events.stats(issueId);
      await admin.growth(newsletterId, 'Asia/Shanghai', new Date(Date.now() - 365 * 86_400_000));
      await s.slots.get('events');
    }, 30);
    const stats = (await s.events.stats(issueId)) as { recipients: number; delivered: number };
    results.push({
      name: 'stats: issue stats p95',
      scale,
      figure: percentile(statsMs, 95),
      unit: 'ms',
      baseline: percentile(pk, 95),
      baselineUnit: 'ms (primary-key lookup, p95)',
      ratio: percentile(statsMs, 95) / percentile(pk, 95),
      peakRssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
      detail: { p50: percentile(statsMs, 50), recipients: stats.recipients, delivered: stats.delivered, events: scale * 3, dashboardP50: percentile(dashMs, 50), dashboardP95: percentile(dashMs, 95), bar: 'p95 < 100 ms at 1 000 000 subscribers and 3 000 000 events' },
    });
    results.push({
      name: 'stats: dashboard queries p95',
      scale,
      figure: percentile(dashMs, 95),
      unit: 'ms',
      baseline: percentile(pk, 95),
      baselineUnit: 'ms (primary-key lookup, p95)',
      ratio: percentile(dashMs, 95) / percentile(pk, 95),
      peakRssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
      detail: { p50: percentile(dashMs, 50), bar: 'well under 100 ms' },
    });
  } finally {
    await new Promise((r) => server.close(() => r(undefined)));
  }
  return results;
}
