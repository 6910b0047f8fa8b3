/**
 * The dashboard's list growth reads counters kept by triggers on `subscribers` (migration 0012).
 * After every kind of change (signup and confirm, unsubscribe, erasure, CSV import, resubscribe,
 * bulk statements, deletes) its numbers must equal a count over `subscribers` itself, done the
 * way the dashboard counted before the counters existed.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/lib/tokens.ts';
import { AdminRepository } from '../../src/modules/admin/repository.ts';
import { EventsRepository } from '../../src/modules/events/repository.ts';
import { dbKinds } from '../helpers/db.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';
import { AdminClient } from './admin/client.ts';

type Growth = { months: { month: string; joined: number; left: number }[]; active: number };

describe.each(dbKinds)('subscriber counters (%s)', (kind) => {
  let h: Harness;
  let ipCounter = 0;
  const ids: Record<string, number> = {};

  const signup = (slug: string, email: string) =>
    h.app.request(`/api/v1/public/newsletters/${slug}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${++ipCounter}` },
      body: JSON.stringify({ email, consent: true }),
    });
  const post = (path: string, fields: Record<string, string>) =>
    h.app.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  const row = (slug: string, email: string) =>
    h.db.db.selectFrom('subscribers').selectAll().where('newsletter_id', '=', ids[slug]!).where('email_normalized', '=', email).executeTakeFirst();
  /** Signs up and confirms through the emailed link, as a reader does. */
  const subscribeAndConfirm = async (slug: string, email: string) => {
    expect((await signup(slug, email)).status).toBe(202);
    await h.runJobs();
    const mails = (await (await h.api('GET', `/api/v1/outbox?to=${encodeURIComponent(email)}`)).json()).items as { text: string }[];
    const token = mails.map((m) => /\/confirm\/([A-Za-z0-9_.-]+)/.exec(m.text)?.[1]).find(Boolean)!;
    const path = `/confirm/${token}`;
    const csrf = /name="csrf" value="([^"]+)"/.exec(await (await h.app.request(path)).text())![1]!;
    expect((await post(path, { csrf })).status).toBe(200);
    const r = await row(slug, email);
    expect(r!.status).toBe('active');
    return String(r!.id);
  };

  /** What the dashboard showed before the counters: straight from `subscribers`. */
  const direct = async (slug: string, tz: string, since: Date): Promise<Growth> => {
    const id = ids[slug]!;
    const joined = await sql<{ month: string; n: string }>`
      SELECT to_char(date_trunc('month', confirmed_at AT TIME ZONE ${tz}), 'YYYY-MM') AS month, count(*) AS n
      FROM subscribers WHERE newsletter_id = ${id} AND confirmed_at >= ${since} GROUP BY 1`.execute(h.db.db);
    const left = await sql<{ month: string; n: string }>`
      SELECT to_char(date_trunc('month', unsubscribed_at AT TIME ZONE ${tz}), 'YYYY-MM') AS month, count(*) AS n
      FROM subscribers WHERE newsletter_id = ${id} AND unsubscribed_at >= ${since} GROUP BY 1`.execute(h.db.db);
    const active = await sql<{ n: string }>`SELECT count(*) AS n FROM subscribers WHERE newsletter_id = ${id} AND status = 'active'`.execute(h.db.db);
    const months = new Map<string, { month: string; joined: number; left: number }>();
    for (const r of joined.rows) months.set(r.month, { month: r.month, joined: Number(r.n), left: 0 });
    for (const r of left.rows) months.set(r.month, { ...(months.get(r.month) ?? { month: r.month, joined: 0 }), left: Number(r.n) });
    return { months: [...months.values()].sort((x, y) => x.month.localeCompare(y.month)), active: Number(active.rows[0]!.n) };
  };

  /** The dashboard page's numbers: active total and the growth table's month, joined, left columns. */
  const page = async (slug: string): Promise<Growth> => {
    // Signed in afresh: the fake clock jumps weeks ahead between steps, past any session's life.
    const b = new AdminClient(h);
    expect((await b.login('admin@example.org', 'correct horse battery')).status).toBe(303);
    const html = await (await b.get(`/admin?n=${slug}`)).text();
    const active = Number(/data-testid="active-count">([\d,]+)</.exec(html)![1]!.replace(/,/g, ''));
    const months = [...html.matchAll(/<tr><td>(\d{4}-\d{2})<\/td><td class="num">([\d,]+)<\/td><td class="num">([\d,]+)<\/td>/g)].map((m) => ({
      month: m[1]!,
      joined: Number(m[2]!.replace(/,/g, '')),
      left: Number(m[3]!.replace(/,/g, '')),
    }));
    return { months, active };
  };

  /** Counters, the page and a direct count agree (last year, and all time); returns the year. */
  const check = async (slug: string, tz: string): Promise<Growth> => {
    const repo = new AdminRepository(h.db.db);
    const yearAgo = new Date(h.clock.now().getTime() - 365 * 86_400_000);
    const counted = await direct(slug, tz, yearAgo);
    expect(await repo.growth(ids[slug]!, tz, yearAgo)).toEqual(counted);
    expect(await repo.growth(ids[slug]!, tz, new Date('2000-01-01T00:00:00Z'))).toEqual(await direct(slug, tz, new Date('2000-01-01T00:00:00Z')));
    expect(await page(slug)).toEqual(counted);
    return counted;
  };

  beforeAll(async () => {
    h = await createHarness(kind, { env: { SIGNUP_RATE_LIMIT: '1000' } });
    // Kathmandu is UTC+05:45: an hour-by-hour count would put 18:00–18:15 UTC in the wrong day, and month.
    for (const [slug, timeZone] of [
      ['grow', 'Asia/Kathmandu'],
      ['other', 'Asia/Shanghai'],
    ] as const) {
      const r = await h.api('POST', '/api/v1/newsletters', { json: { slug, name: `News ${slug}`, fromEmail: 'news@example.org', timeZone } });
      expect(r.status).toBe(201);
      ids[slug] = (await h.db.db.selectFrom('newsletters').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;
    }
  });
  afterAll(() => h?.close());

  it('starts empty', async () => {
    expect(await check('grow', 'Asia/Kathmandu')).toEqual({ months: [], active: 0 });
  });

  it('counts signup and confirmation in the month of the newsletter time zone', async () => {
    h.clock.set(new Date('2026-03-31T18:10:00Z')); // 23:55 on 31 March in Kathmandu
    await subscribeAndConfirm('grow', 'march@example.org');
    h.clock.set(new Date('2026-03-31T18:20:00Z')); // 00:05 on 1 April in Kathmandu
    await subscribeAndConfirm('grow', 'april@example.org');
    // A pending signup counts nowhere.
    expect((await signup('grow', 'pending@example.org')).status).toBe(202);
    expect(await check('grow', 'Asia/Kathmandu')).toEqual({
      months: [
        { month: '2026-03', joined: 1, left: 0 },
        { month: '2026-04', joined: 1, left: 0 },
      ],
      active: 2,
    });
  });

  it('counts an unsubscribe as left, and active goes down', async () => {
    h.clock.set(new Date('2026-04-02T09:00:00Z'));
    const id = (await row('grow', 'march@example.org'))!.id;
    expect((await post(`/unsubscribe/${signToken(h.config.secret!, 'unsubscribe', String(id))}`, { 'List-Unsubscribe': 'One-Click' })).status).toBe(200);
    expect(await check('grow', 'Asia/Kathmandu')).toEqual({
      months: [
        { month: '2026-03', joined: 1, left: 0 },
        { month: '2026-04', joined: 1, left: 1 },
      ],
      active: 1,
    });
  });

  it('takes an erased subscriber out of the active count', async () => {
    const id = (await row('grow', 'april@example.org'))!.id;
    expect((await h.api('DELETE', `/api/v1/subscribers/${id}`)).status).toBe(200);
    const g = await check('grow', 'Asia/Kathmandu');
    expect(g.active).toBe(0);
  });

  it('counts a CSV import of several chunks with one upsert per statement', async () => {
    h.clock.set(new Date('2026-04-15T02:00:00Z'));
    const lines = Array.from({ length: 2_500 }, (_, i) => `imported${i}@example.org,Reader ${i}`);
    const r = await h.api('POST', '/api/v1/newsletters/grow/subscribers/import?consentNote=test', {
      body: `email,name\n${lines.join('\n')}\n`,
      headers: { 'content-type': 'text/csv' },
    });
    expect(r.status).toBe(200);
    expect((await r.json()).imported).toBe(2_500);
    const g = await check('grow', 'Asia/Kathmandu');
    expect(g.active).toBe(2_500);
    expect(g.months).toEqual([
      { month: '2026-03', joined: 1, left: 0 },
      { month: '2026-04', joined: 2_501, left: 1 },
    ]);
  });

  it('moves a resubscribed reader from left back to joined, in the new month', async () => {
    h.clock.set(new Date('2026-05-03T10:00:00Z'));
    expect((await signup('grow', 'march@example.org')).status).toBe(202);
    expect((await row('grow', 'march@example.org'))!.status).toBe('pending');
    await check('grow', 'Asia/Kathmandu');
    await subscribeAndConfirm('grow', 'march@example.org');
    const g = await check('grow', 'Asia/Kathmandu');
    // confirmed_at moved to May and unsubscribed_at was cleared: March and April's "left" lose it.
    expect(g.months).toEqual([
      { month: '2026-04', joined: 2_501, left: 0 },
      { month: '2026-05', joined: 1, left: 0 },
    ]);
    expect(g.active).toBe(2_501);
  });

  it('keeps newsletters apart through bulk updates and deletes that span them', async () => {
    h.clock.set(new Date('2026-05-10T00:00:00Z'));
    await subscribeAndConfirm('other', 'other1@example.org');
    await subscribeAndConfirm('other', 'other2@example.org');
    // Rows without consent events (those are append-only, so only these can be deleted), in both lists.
    await sql`INSERT INTO subscribers (newsletter_id, email, email_normalized, status, source, confirmed_at)
      SELECT CASE WHEN i % 2 = 0 THEN ${ids.grow!}::int ELSE ${ids.other!}::int END, 'raw' || i || '@example.org', 'raw' || i || '@example.org', 'active', 'admin', ${new Date('2026-05-10T00:00:00Z')}
      FROM generate_series(1, 8) AS i`.execute(h.db.db);
    await check('grow', 'Asia/Kathmandu');
    await check('other', 'Asia/Shanghai');
    // One statement over both lists: suppress some, unsubscribe others, clear a confirmation, delete.
    await sql`UPDATE subscribers SET status = 'suppressed' WHERE email_normalized IN ('imported1@example.org', 'imported2@example.org', 'other1@example.org')`.execute(
      h.db.db,
    );
    // 18:20 UTC on 31 May is 00:05 on 1 June in Kathmandu and 02:20 in Shanghai (an hourly bucket, 18:00, would be May in Kathmandu).
    await sql`UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ${new Date('2026-05-31T18:20:00Z')} WHERE email_normalized LIKE 'imported1_@example.org' OR email_normalized = 'other2@example.org'`.execute(
      h.db.db,
    );
    await sql`UPDATE subscribers SET confirmed_at = NULL WHERE email_normalized = 'imported3@example.org'`.execute(h.db.db);
    await sql`DELETE FROM subscribers WHERE email_normalized LIKE 'raw%'`.execute(h.db.db);
    const g = await check('grow', 'Asia/Kathmandu');
    expect(g.months).toEqual([
      { month: '2026-04', joined: 2_500, left: 0 },
      { month: '2026-05', joined: 1, left: 0 },
      { month: '2026-06', joined: 0, left: 10 },
    ]);
    expect(g.active).toBe(2_501 - 2 - 10); // two suppressed, ten unsubscribed (imported10 … imported19)
    const o = await check('other', 'Asia/Shanghai');
    expect(o).toEqual({
      months: [
        { month: '2026-05', joined: 2, left: 0 },
        { month: '2026-06', joined: 0, left: 1 },
      ],
      active: 0,
    });
    // Also under zones the newsletter does not use: the counters are per quarter hour, not per hour or day.
    const repo = new AdminRepository(h.db.db);
    for (const tz of ['UTC', 'America/St_Johns', 'Asia/Kolkata', 'Pacific/Chatham']) {
      expect(await repo.growth(ids.grow!, tz, new Date('2000-01-01T00:00:00Z'))).toEqual(await direct('grow', tz, new Date('2000-01-01T00:00:00Z')));
    }
  });

  it('drops the counters with the newsletter', async () => {
    const r = await h.api('POST', '/api/v1/newsletters', { json: { slug: 'gone', name: 'Gone', fromEmail: 'news@example.org' } });
    expect(r.status).toBe(201);
    ids.gone = (await h.db.db.selectFrom('newsletters').select('id').where('slug', '=', 'gone').executeTakeFirstOrThrow()).id;
    await sql`INSERT INTO subscribers (newsletter_id, email, email_normalized, status, source, confirmed_at)
      SELECT ${ids.gone}, 'g' || i || '@example.org', 'g' || i || '@example.org', 'active', 'admin', now() FROM generate_series(1, 3) AS i`.execute(h.db.db);
    expect((await check('gone', 'UTC')).active).toBe(3);
    await sql`DELETE FROM newsletters WHERE id = ${ids.gone}`.execute(h.db.db);
    const left = await sql<{
      n: string;
    }>`SELECT (SELECT count(*) FROM subscriber_growth WHERE newsletter_id = ${ids.gone}) + (SELECT count(*) FROM subscriber_totals WHERE newsletter_id = ${ids.gone}) AS n`.execute(
      h.db.db,
    );
    expect(Number(left.rows[0]!.n)).toBe(0);
    await check('grow', 'Asia/Kathmandu');
  });

  it('keeps the issue timeline in step with the ledger and the opens', async () => {
    const db = h.db.db;
    const events = new EventsRepository(db);
    const issue = await h.services.issues.create('grow', { title: 'Timeline' }, null);
    const start = new Date('2026-06-01T10:20:00Z');
    await sql`UPDATE issues SET status = 'sent', started_at = ${start} WHERE id = ${issue.id}`.execute(db);
    const from = new Date('2026-06-01T10:00:00Z');
    /** The timeline counted from the ledger and the opens, as before the counters (hour index, series, n). */
    const direct = async () => {
      const to = new Date(from.getTime() + 72 * 3600_000);
      const bucket = (col: string) => sql<number>`floor(extract(epoch FROM (${sql.ref(col)} - ${from}::timestamptz)) / 3600)::int`;
      const r = await sql<{ h: number; series: string; n: string }>`
        SELECT ${bucket('v.t')} AS h, v.series, count(*) AS n FROM deliveries d
        CROSS JOIN LATERAL (VALUES ('sent', d.sent_at), ('delivered', d.delivered_at), ('uniqueOpens', d.first_opened_at)) AS v (series, t)
        WHERE d.issue_id = ${issue.id} AND v.t >= ${from} AND v.t < ${to} GROUP BY 1, 2
        UNION ALL
        SELECT ${bucket('o.at')}, CASE WHEN o.likely_human THEN 'humanOpens' ELSE 'machineOpens' END, count(*) FROM delivery_opens o
        WHERE o.issue_id = ${issue.id} AND o.at >= ${from} AND o.at < ${to} GROUP BY 1, 2`.execute(db);
      const buckets = Array.from({ length: 72 }, () => ({ sent: 0, delivered: 0, uniqueOpens: 0, opens: 0, humanOpens: 0 }));
      for (const x of r.rows) {
        const b = buckets[Number(x.h)]!;
        const n = Number(x.n);
        if (x.series === 'sent') b.sent += n;
        else if (x.series === 'delivered') b.delivered += n;
        else if (x.series === 'uniqueOpens') b.uniqueOpens += n;
        else {
          b.opens += n;
          if (x.series === 'humanOpens') b.humanOpens += n;
        }
      }
      return buckets;
    };
    const served = async () => (await h.services.events.timeline(issue.id, { hours: '72' })).buckets.map(({ at: _at, ...b }) => b);
    const same = async () => {
      const want = await direct();
      expect(await served()).toEqual(want);
      return want;
    };
    // 300 recipients sent over 50 minutes, across the 11:00 hour; two in three delivered, some opened.
    await sql`INSERT INTO deliveries (issue_id, subscriber_id, email, batch, status, sent_at, delivered_at, provider_message_id)
      SELECT ${issue.id}, 900000 + i, 't' || i || '@example.org', i / 100, 'sent', ${start}::timestamptz + i * interval '10 seconds',
             CASE WHEN i % 3 <> 0 THEN ${start}::timestamptz + i * interval '10 seconds' + interval '30 minutes' END, 'tl-' || i
      FROM generate_series(1, 300) AS i`.execute(db);
    let b = await same();
    expect(b[0]!.sent + b[1]!.sent).toBe(300);
    expect(b[0]!.sent).toBeGreaterThan(0);
    expect(b[1]!.sent).toBeGreaterThan(0);
    // Opens through the service (pixel path), then an earlier provider delivery and a bounce through the webhook path.
    const ids = (await sql<{ id: string }>`SELECT id FROM deliveries WHERE issue_id = ${issue.id} ORDER BY id LIMIT 40`.execute(db)).rows.map((r) => r.id);
    for (const [k, id] of ids.entries()) {
      const outcome = await events.recordOpen({
        by: { deliveryId: id },
        at: new Date(start.getTime() + (2 + (k % 30)) * 3600_000),
        client: 'desktop',
        source: 'pixel',
        human: k % 2 === 0,
        prefetchWindowMs: 0,
      });
      expect(outcome).toBe('recorded');
    }
    b = await same();
    expect(b.reduce((n, x) => n + x.opens, 0)).toBe(40);
    expect(b.reduce((n, x) => n + x.humanOpens, 0)).toBe(20);
    await events.applyFact('tl-3', 'delivered', new Date('2026-06-01T10:21:00Z'));
    await events.applyFact('tl-4', 'delivered', new Date('2026-06-01T10:22:00Z'));
    await events.applyFact('tl-5', 'bounced', new Date('2026-06-01T12:00:00Z'), { bounceType: 'hard' });
    // A bulk update that moves every send an hour later, and deletes (an open, some ledger rows).
    await sql`UPDATE deliveries SET sent_at = sent_at + interval '1 hour' WHERE issue_id = ${issue.id} AND subscriber_id % 2 = 0`.execute(db);
    await sql`DELETE FROM delivery_opens WHERE id = (SELECT min(id) FROM delivery_opens WHERE issue_id = ${issue.id})`.execute(db);
    await sql`DELETE FROM deliveries WHERE issue_id = ${issue.id} AND subscriber_id % 7 = 0`.execute(db);
    b = await same();
    expect(b.reduce((n, x) => n + x.sent, 0)).toBe(257); // 43 of 900001 … 900300 are multiples of 7
  });
  it("counts each recipient's unsubscribe once, for the issue that had started last (as the stats counted before 0016)", async () => {
    const db = h.db.db;
    const n = await h.services.newsletters.create({ slug: 'unsub-window', name: 'Unsubscribe window', fromEmail: 'news@example.org' }, null);
    const subs = (
      await sql<{ id: string }>`
        INSERT INTO subscribers (newsletter_id, email, email_normalized, status, source, confirmed_at)
        SELECT ${n.id}, 'u' || i || '@example.org', 'u' || i || '@example.org', 'active', 'import', now() FROM generate_series(1, 4) AS i
        RETURNING id`.execute(db)
    ).rows.map((r) => r.id);
    const [s1, s2, s3, s4] = subs as [string, string, string, string];
    const t0 = new Date('2026-07-01T08:00:00Z');
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    const issue = async (title: string, start: Date, recipients: string[]) => {
      const i = await h.services.issues.create('unsub-window', { title }, null);
      await sql`UPDATE issues SET status = 'sent', started_at = ${start} WHERE id = ${i.id}`.execute(db);
      for (const sid of recipients) {
        await sql`INSERT INTO deliveries (issue_id, subscriber_id, email, batch, status) VALUES (${i.id}, ${sid}, ${`r${sid}@example.org`}, 0, 'sent')`.execute(
          db,
        );
      }
      return i.id;
    };
    const event = (sid: string, type: string, when: Date) =>
      sql`INSERT INTO subscriber_events (subscriber_id, newsletter_id, at, type, source) VALUES (${sid}, ${n.id}, ${when}, ${type}, 'admin')`.execute(db);
    /** The stats' query before the counter: the issue's recipients with an unsubscribe event between its start and the next issue's. */
    const former = async (issueId: number) => {
      const r = await sql<{ n: string }>`
        SELECT count(DISTINCT e.subscriber_id) AS n FROM issues i
        CROSS JOIN LATERAL (SELECT min(coalesce(x.started_at, x.sent_at)) AS next FROM issues x WHERE x.newsletter_id = i.newsletter_id AND x.id <> i.id AND coalesce(x.started_at, x.sent_at) > coalesce(i.started_at, i.sent_at)) nx
        JOIN subscriber_events e ON e.newsletter_id = i.newsletter_id AND e.type = 'unsubscribe' AND e.at >= coalesce(i.started_at, i.sent_at) AND (nx.next IS NULL OR e.at < nx.next)
        JOIN deliveries d ON d.issue_id = i.id AND d.subscriber_id = e.subscriber_id
        WHERE i.id = ${issueId}`.execute(db);
      return Number(r.rows[0]!.n);
    };
    const shown = async (issueId: number) => (await h.services.events.stats(issueId)).unsubscribed;

    await event(s3, 'unsubscribe', at(-60)); // before any issue: nobody's
    const a = await issue('A', t0, [s1, s2, s3]);
    await event(s1, 'unsubscribe', at(10));
    await event(s4, 'unsubscribe', at(20)); // not a recipient of A
    await event(s2, 'unsubscribe', at(30));
    await event(s2, 'resubscribe', at(40));
    await event(s2, 'unsubscribe', at(50)); // s2 again in A's window: still one person
    expect(await shown(a)).toBe(2);
    const b = await issue('B', at(120), [s1, s2, s3, s4]);
    await event(s3, 'unsubscribe', at(180));
    await event(s1, 'unsubscribe', at(240));
    // two in one statement, one person
    await sql`INSERT INTO subscriber_events (subscriber_id, newsletter_id, at, type, source) VALUES (${s4}, ${n.id}, ${at(300)}, 'unsubscribe', 'admin'), (${s4}, ${n.id}, ${at(301)}, 'unsubscribe', 'admin')`.execute(
      db,
    );
    expect({ a: await shown(a), b: await shown(b) }).toEqual({ a: 2, b: 3 });
    expect({ a: await shown(a), b: await shown(b) }).toEqual({ a: await former(a), b: await former(b) });
  });
});
