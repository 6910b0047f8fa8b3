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
import { benchConfig, benchServices, percentile, type BenchDb, type Result } from '../lib.ts';
import { writePlans, type PlanCase } from '../plans.ts';

const WEBHOOK_SECRET = `whsec_${Buffer.from('quire-bench-webhook-secret-0123456789').toString('base64')}`;
const BURST = 10_000;

function client(url: string, first: number, count: number): Promise<{ seconds: number; ok: number; failed: number }> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', path.resolve('bench/webhook-client.ts'), url, WEBHOOK_SECRET, String(first), String(count), '16'],
      { maxBuffer: 1 << 20 },
      (err, out) => (err ? reject(err) : resolve(JSON.parse(out) as { seconds: number; ok: number; failed: number })),
    ),
  );
}

/**
 * A list of `count` readers with two years of history, set-based: confirmed at times spread over
 * the last 730 days, one in twenty unsubscribed since. Returns the newsletter and its first row id.
 */
async function seedHistory(s: ReturnType<typeof benchServices>, slug: string, count: number): Promise<{ newsletterId: number; first: number }> {
  const n = await s.newsletters.create({ slug, name: `Bench ${slug}`, fromEmail: 'news@example.org', language: 'zh-CN', timeZone: 'Asia/Shanghai' }, null);
  for (let from = 1; from <= count; from += 200_000) {
    const to = Math.min(count, from + 199_999);
    await sql`
      INSERT INTO subscribers (newsletter_id, email, email_normalized, name, status, source, confirmed_at, unsubscribed_at)
      SELECT ${n.id}, 'reader' || i || '@example.org', 'reader' || i || '@example.org', 'Reader ' || i,
             CASE WHEN i % 20 = 0 THEN 'unsubscribed' ELSE 'active' END, 'import', c,
             CASE WHEN i % 20 = 0 THEN least(now(), c + (i % 200) * interval '1 day') END
      FROM generate_series(${from}::int, ${to}::int) AS i,
           LATERAL (SELECT now() - ((i::bigint * 7919) % (730 * 96)) * interval '15 minutes' - (i % 900) * interval '1 second' AS c) AS t`.execute(s.db);
  }
  const r = await s.db
    .selectFrom('subscribers')
    .select((eb) => eb.fn.min('id').as('first'))
    .where('newsletter_id', '=', n.id)
    .executeTakeFirstOrThrow();
  return { newsletterId: n.id, first: Number(r.first) };
}

/**
 * An issue sent to the whole list 80 hours ago, its ledger written set-based with provider ids
 * `wh-<subscriber id>`, as it stands after its events: every recipient sent and delivered but the
 * first `burst` (left for the webhook burst to deliver), each delivered one opened twice within 72
 * hours (a third of them by a person), one in 5 000 complained, one in 200 unsubscribed since.
 * Events: two opens per opened recipient plus the consent record's confirm, three per subscriber.
 */
async function sentIssue(s: ReturnType<typeof benchServices>, slug: string, newsletterId: number, first: number, burst: number): Promise<{ issueId: number }> {
  const issue = await s.issues.create(slug, { title: 'Events bench' }, null);
  const t0 = new Date(Math.floor(Date.now() / 3600_000) * 3600_000 - 80 * 3600_000);
  await sql`UPDATE issues SET status = 'sent', sent_at = ${t0}, started_at = ${t0} WHERE id = ${issue.id}`.execute(s.db);
  const last = Number(
    (
      await s.db
        .selectFrom('subscribers')
        .select((eb) => eb.fn.max('id').as('last'))
        .where('newsletter_id', '=', newsletterId)
        .executeTakeFirstOrThrow()
    ).last,
  );
  const count = last - first + 1;
  for (let from = first; from <= last; from += 200_000) {
    const to = Math.min(last, from + 199_999);
    await sql`
      INSERT INTO deliveries (issue_id, subscriber_id, email, name, batch, status, provider_message_id, sent_at, accepted_at, delivered_at,
                              first_opened_at, human_opened_at, open_count, complained_at, last_event_at)
      SELECT ${issue.id}, s.id, s.email, s.name, k / 100, 'sent', 'wh-' || s.id, sent, sent,
             CASE WHEN k >= ${burst} THEN sent + interval '5 seconds' END,
             CASE WHEN k >= ${burst} THEN sent + least(m1, m2) * interval '1 minute' END,
             CASE WHEN k >= ${burst} AND k % 3 = 0 THEN sent + least(m1, m2) * interval '1 minute' END,
             CASE WHEN k >= ${burst} THEN 2 ELSE 0 END,
             CASE WHEN k >= ${burst} AND k % 5000 = 11 THEN sent + interval '2 hours' END,
             sent + greatest(m1, m2) * interval '1 minute'
      FROM subscribers s,
           LATERAL (SELECT (s.id - ${first})::int AS k) AS kk,
           LATERAL (SELECT ${t0}::timestamptz + ((k::bigint * 3600) / ${count}) * interval '1 second' AS sent,
                           (k::bigint * 37) % 4320 AS m1, (k::bigint * 1013 + 500) % 4320 AS m2) AS t
      WHERE s.newsletter_id = ${newsletterId} AND s.id BETWEEN ${from} AND ${to}`.execute(s.db);
    await sql`
      INSERT INTO delivery_opens (delivery_id, issue_id, at, client, likely_human, source)
      SELECT d.id, d.issue_id, d.sent_at + (CASE WHEN o = 1 THEN (k::bigint * 37) % 4320 ELSE (k::bigint * 1013 + 500) % 4320 END) * interval '1 minute',
             'desktop', k % 3 = 0, 'pixel'
      FROM deliveries d CROSS JOIN (VALUES (1), (2)) AS v (o), LATERAL (SELECT (d.subscriber_id - ${first})::int AS k) AS kk
      WHERE d.issue_id = ${issue.id} AND d.subscriber_id BETWEEN ${from} AND ${to} AND d.first_opened_at IS NOT NULL`.execute(s.db);
    await sql`
      INSERT INTO subscriber_events (subscriber_id, newsletter_id, at, type, source)
      SELECT id, newsletter_id, confirmed_at, 'confirm', 'import' FROM subscribers WHERE newsletter_id = ${newsletterId} AND id BETWEEN ${from} AND ${to}
      UNION ALL
      SELECT id, newsletter_id, ${t0}::timestamptz + ((id - ${first}) % 4000) * interval '1 minute', 'unsubscribe', 'link'
      FROM subscribers WHERE newsletter_id = ${newsletterId} AND id BETWEEN ${from} AND ${to} AND (id - ${first}) % 200 = 7`.execute(s.db);
  }
  return { issueId: issue.id };
}

/** The old growth query (before migration 0012's counters), for the plans' "before". */
const GROWTH_BEFORE = `SELECT to_char(date_trunc('month', confirmed_at AT TIME ZONE $2), 'YYYY-MM') AS month, count(*) AS n
FROM subscribers WHERE newsletter_id = $1 AND confirmed_at >= $3 GROUP BY 1`;
const ACTIVE_BEFORE = `SELECT count(*) AS n FROM subscribers WHERE newsletter_id = $1 AND status = 'active'`;

export async function eventsScenario(db: BenchDb, scale: number, log: (s: string) => void): Promise<Result[]> {
  const s = benchServices(db, new OutboxMailer(new OutboxRepository(db.handle.db), systemClock), benchConfig({ RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET }));
  const burst = Math.min(BURST, scale);
  log(`  seeding ${scale.toLocaleString('en-US')} subscribers, a sent issue and ${(scale * 3).toLocaleString('en-US')} events…`);
  const t0 = Date.now();
  const { newsletterId, first } = await seedHistory(s, 'events', scale);
  const { issueId } = await sentIssue(s, 'events', newsletterId, first, burst);
  await sql`ANALYZE`.execute(s.db);
  log(`  seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  const outer = new Hono();
  outer.post('/__ok', async (c) => {
    await c.req.text();
    return c.json({ ok: true });
  });
  outer.route(
    '/',
    createApp(() => s),
  );
  const server: ServerType = await new Promise((r) => {
    const srv = serve({ fetch: outer.fetch, port: 0, hostname: '127.0.0.1' }, () => r(srv));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const results: Result[] = [];
  try {
    log(`  ${burst} signed webhook events…`);
    const ours = await client(`${base}/webhooks/resend`, first, burst);
    const noop = await client(`${base}/__ok`, first, burst);
    const applied = await s.db
      .selectFrom('webhook_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
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
    const pk = await time(() =>
      s.db
        .selectFrom('subscribers')
        .selectAll()
        .where('id', '=', String(first + (scale >> 1)))
        .executeTakeFirst(),
    );
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
    // The issue page's other reads: the 72-hour timeline, and recipient pages (first, a search, a rare state).
    const timelineMs = await time(() => s.events.timeline(issueId, { hours: '72' }), 20);
    const recipientsMs = await time(() => s.events.recipients(issueId, {}), 20);
    const searchMs = await time(() => s.events.recipients(issueId, { q: `reader${(scale >> 1) + 7}` }), 20);
    const complainedMs = await time(() => s.events.recipients(issueId, { status: 'complained' }), 20);
    // What the dashboard's growth cost before the counters (migration 0012): the same months counted from subscribers.
    const yearAgo = new Date(Date.now() - 365 * 86_400_000);
    const beforeMs = await time(
      async () => {
        await sql`${sql.raw(GROWTH_BEFORE.replace('$1', String(newsletterId)).replace('$2', "'Asia/Shanghai'").replace('$3', `'${yearAgo.toISOString()}'`))}`.execute(
          s.db,
        );
        await sql`${sql.raw(GROWTH_BEFORE.replace('confirmed_at', 'unsubscribed_at').replace('confirmed_at', 'unsubscribed_at').replace('$1', String(newsletterId)).replace('$2', "'Asia/Shanghai'").replace('$3', `'${yearAgo.toISOString()}'`))}`.execute(
          s.db,
        );
        await sql`${sql.raw(ACTIVE_BEFORE.replace('$1', String(newsletterId)))}`.execute(s.db);
      },
      scale >= 1_000_000 ? 10 : 20,
    );
    const stats = (await s.events.stats(issueId)) as { recipients: number; delivered: number };
    const pages = {
      timelineP50: percentile(timelineMs, 50),
      timelineP95: percentile(timelineMs, 95),
      recipientsP95: percentile(recipientsMs, 95),
      recipientsSearchP95: percentile(searchMs, 95),
      recipientsComplainedP95: percentile(complainedMs, 95),
      growthBeforeCountersP50: percentile(beforeMs, 50),
      growthBeforeCountersP95: percentile(beforeMs, 95),
    };
    log(
      `  stats p50/p95 ${percentile(statsMs, 50).toFixed(2)}/${percentile(statsMs, 95).toFixed(2)} ms; dashboard ${percentile(dashMs, 50).toFixed(2)}/${percentile(dashMs, 95).toFixed(2)} ms; pk ${percentile(pk, 50).toFixed(2)}/${percentile(pk, 95).toFixed(2)} ms`,
    );
    log(
      `  ${Object.entries(pages)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join('; ')} (ms)`,
    );

    if (scale >= 1_000_000 && db.url) {
      log('  writing bench/plans-1m.md…');
      const cases: PlanCase[] = [
        { title: 'Issue stats (`GET /api/v1/issues/:id/stats`, `EventsService.stats`)', run: (x) => x.events.stats(issueId) },
        {
          title: "Dashboard (`GET /admin`): scheduled and last issues, the last issue's stats, twelve months of growth, the monthly slot",
          run: async (x, a) => {
            await x.issues.list('events', { status: ['scheduled'], limit: 50 });
            await x.issues.list('events', { status: ['sent', 'sending'], limit: 1 });
            await x.events.stats(issueId);
            await a.growth(newsletterId, 'Asia/Shanghai', yearAgo);
            await x.slots.get('events');
          },
        },
        { title: 'Issue timeline, 72 hours (`GET /api/v1/issues/:id/timeline`, the issue page)', run: (x) => x.events.timeline(issueId, { hours: '72' }) },
        { title: 'Recipients, first page (`GET /api/v1/issues/:id/recipients`)', run: (x) => x.events.recipients(issueId, {}) },
        { title: 'Recipients, address search (`?q=reader500007`)', run: (x) => x.events.recipients(issueId, { q: `reader${(scale >> 1) + 7}` }) },
        { title: 'Recipients, a rare state (`?status=complained`)', run: (x) => x.events.recipients(issueId, { status: 'complained' }) },
      ];
      await writePlans({
        url: db.url,
        file: path.resolve('bench/plans-1m.md'),
        heading: [
          '# Query plans at 1 000 000 subscribers (PostgreSQL)',
          '',
          `Written by the events scenario of \`npm run bench\` at BENCH_SCALE=1m (${new Date().toISOString().slice(0, 10)}): ${scale.toLocaleString('en-US')} subscribers`,
          `confirmed over two years, an issue sent to all of them (${stats.recipients.toLocaleString('en-US')} ledger rows), ${(scale * 3).toLocaleString('en-US')} events`,
          '(two opens per opened recipient, one consent event each, unsubscribes since the issue). Every statement',
          'each page runs, then EXPLAIN (ANALYZE, BUFFERS) of it on a warm cache.',
          '',
          `Timings of this run (ms, p50 / p95): issue stats ${percentile(statsMs, 50).toFixed(2)} / ${percentile(statsMs, 95).toFixed(2)};`,
          `dashboard ${percentile(dashMs, 50).toFixed(2)} / ${percentile(dashMs, 95).toFixed(2)}; primary-key lookup ${percentile(pk, 50).toFixed(2)} / ${percentile(pk, 95).toFixed(2)};`,
          `timeline ${pages.timelineP50.toFixed(2)} / ${pages.timelineP95.toFixed(2)}; growth counted from subscribers as before migration 0012 ${pages.growthBeforeCountersP50.toFixed(0)} / ${pages.growthBeforeCountersP95.toFixed(0)}.`,
        ].join('\n'),
        services: (kdb) =>
          benchServices(
            { ...db, handle: { ...db.handle, db: kdb } },
            new OutboxMailer(new OutboxRepository(kdb), systemClock),
            benchConfig({ RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET }),
          ),
        cases,
        raw: [
          {
            title: 'Before migration 0012: joined per month counted from subscribers',
            sql: GROWTH_BEFORE,
            parameters: [newsletterId, 'Asia/Shanghai', yearAgo],
          },
          { title: 'Before migration 0012: active counted from subscribers', sql: ACTIVE_BEFORE, parameters: [newsletterId] },
        ],
      });
    }
    results.push({
      name: 'stats: issue stats p95',
      scale,
      figure: percentile(statsMs, 95),
      unit: 'ms',
      baseline: percentile(pk, 95),
      baselineUnit: 'ms (primary-key lookup, p95)',
      ratio: percentile(statsMs, 95) / percentile(pk, 95),
      peakRssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
      detail: {
        p50: percentile(statsMs, 50),
        recipients: stats.recipients,
        delivered: stats.delivered,
        events: scale * 3,
        dashboardP50: percentile(dashMs, 50),
        dashboardP95: percentile(dashMs, 95),
        ...pages,
        bar: 'p95 < 100 ms at 1 000 000 subscribers and 3 000 000 events',
      },
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
