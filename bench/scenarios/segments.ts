/**
 * Segments (issue 24): the count of a few typical segments (p95 of repeated counts, as the
 * builder's live count asks) beside the count of the whole active list; and the fan-out (the one
 * INSERT … SELECT of `send.start`) of a segment holding half the list beside the whole-list
 * fan-out, in the same run. Targets at 1M: count p95 < 200 ms; half-list fan-out ≤ 2× whole-list.
 */
import { sql } from 'kysely';
import { OutboxMailer } from '../../src/mail/outbox.ts';
import { checkDefinition } from '../../src/modules/segments/model.ts';
import { OutboxRepository } from '../../src/modules/outbox/repository.ts';
import { SegmentsService } from '../../src/modules/segments/service.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { benchServices, fmt, percentile, seedList, withPeakRss, type BenchDb, type Result } from '../lib.ts';

const RUNS = 20;

const SEGMENTS: Record<string, unknown> = {
  'tag is half (50 %)': { match: 'all', conditions: [{ field: 'tag', op: 'is', value: 'half' }] },
  'attribute.country is Kenya (20 %)': { match: 'all', conditions: [{ field: 'attribute.country', op: 'is', value: 'Kenya' }] },
  'any: tag vip or attribute.size ≥ 900 (11 %)': {
    match: 'any',
    conditions: [
      { field: 'tag', op: 'is', value: 'vip' },
      { field: 'attribute.size', op: 'atLeast', value: 900 },
    ],
  },
  'all: tag half, language zh-CN, subscribed after 2020-01-01, status active': {
    match: 'all',
    conditions: [
      { field: 'tag', op: 'is', value: 'half' },
      { field: 'language', op: 'is', value: 'zh-CN' },
      { field: 'subscribedAt', op: 'after', value: '2020-01-01' },
      { field: 'status', op: 'is', value: 'active' },
    ],
  },
};

async function p95(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm: plan and cache
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return percentile(
    ms.sort((a, b) => a - b),
    95,
  );
}

export async function segmentsScenario(db: BenchDb, scale: number, log: (s: string) => void): Promise<Result[]> {
  const s = benchServices(db, new OutboxMailer(new OutboxRepository(db.handle.db), systemClock, 'news.example.org'));
  log(`  seeding ${fmt(scale)} subscribers with tags and attributes…`);
  const newsletterId = await seedList(s, 'segments', scale);
  const countries = ['Kenya', 'China', 'Brazil', 'India', 'Germany'];
  await sql`UPDATE subscribers SET
      tags = CASE WHEN id % 2 = 0 THEN ARRAY['half'] ELSE '{}'::text[] END || CASE WHEN id % 100 = 0 THEN ARRAY['vip'] ELSE '{}'::text[] END,
      attributes = jsonb_build_object('country', (${countries}::text[])[1 + id % 5], 'size', id % 1000)
    WHERE newsletter_id = ${newsletterId}`.execute(s.db);
  await sql`ANALYZE subscribers`.execute(s.db);
  const n = (await s.repos.newsletters.findById(newsletterId))!;
  const ctx = SegmentsService.context(n);

  const { value: counts, peakRssMb } = await withPeakRss(async () => {
    const out: Record<string, { p95Ms: number; count: number }> = {};
    for (const [name, def] of Object.entries(SEGMENTS)) {
      const checked = checkDefinition(def);
      const r = await s.repos.segments.count({ segment: checked, topicIds: [] }, ctx);
      out[name] = { p95Ms: Math.round((await p95(() => s.repos.segments.count({ segment: checked, topicIds: [] }, ctx))) * 10) / 10, count: r.count };
    }
    return out;
  });
  const baselineCountMs = await p95(() => sql`SELECT count(*) FROM subscribers WHERE newsletter_id = ${newsletterId} AND status = 'active'`.execute(s.db));
  const worst = Math.max(...Object.values(counts).map((c) => c.p95Ms));
  for (const [k, c] of Object.entries(counts)) log(`    ${k}: ${fmt(c.count)} subscribers, p95 ${c.p95Ms} ms`);

  // The fan-out statement itself, whole list then half, on issues moved to `scheduled` by hand.
  const rendered = { subject: 'Bench', html: '<p>bench</p>', text: 'bench', nameFallback: '' };
  const fanOut = async (filter: Parameters<typeof s.repos.sending.start>[2]) => {
    const issue = await s.issues.create('segments', { title: 'fan-out' }, null);
    await sql`UPDATE issues SET status = 'scheduled', send_at = now() WHERE id = ${issue.id}`.execute(s.db);
    const t0 = performance.now();
    const rows = await s.repos.sending.start(issue.id, { ...ctx, excludeIssueId: issue.id }, filter, rendered, new Date());
    return { ms: performance.now() - t0, rows: rows ?? 0 };
  };
  const half = checkDefinition(SEGMENTS['tag is half (50 %)']);
  const whole = await fanOut(null);
  const seg = await fanOut({ segment: half, topicIds: [] });
  log(`    fan-out: whole list ${fmt(whole.rows)} rows in ${fmt(whole.ms)} ms; half-list segment ${fmt(seg.rows)} rows in ${fmt(seg.ms)} ms`);
  if (seg.rows !== Math.floor(scale / 2) && seg.rows !== Math.ceil(scale / 2)) throw new Error(`segment fan-out wrote ${seg.rows} rows`);

  return [
    {
      name: 'segments: count p95, worst of 4 typical segments',
      scale,
      figure: worst,
      unit: 'ms',
      baseline: baselineCountMs,
      baselineUnit: 'ms (count of the whole active list)',
      ratio: baselineCountMs / worst,
      peakRssMb,
      detail: { segments: counts, runs: RUNS, target: 'p95 < 200 ms at 1M' },
    },
    {
      name: 'segments: fan-out of a half-list segment',
      scale,
      figure: seg.ms,
      unit: 'ms',
      baseline: whole.ms,
      baselineUnit: 'ms (whole-list fan-out, same run)',
      ratio: (2 * whole.ms) / seg.ms,
      peakRssMb,
      detail: { segmentRows: seg.rows, wholeRows: whole.rows, target: 'segment ≤ 2× whole list (ratio ≥ 1)' },
    },
  ];
}
